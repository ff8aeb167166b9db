package logging_test

import (
	"fmt"

	"valet.dev/valet/shared/logging"
)

func ExampleMasker_Mask() {
	m := logging.NewMasker()
	m.Register("per-job-runtime-token")
	fmt.Println(m.Mask("token=per-job-runtime-token hex=7065722d6a6f622d72756e74696d652d746f6b656e"))
	fmt.Println(m.Mask("Authorization: Bearer abcdefgh.ijklmnop"))
	fmt.Println(m.Mask("GET /o?X-Goog-Date=20261123&X-Goog-Signature=9f86d081884c7d65"))
	// Output:
	// token=*** hex=***
	// Authorization: Bearer ***
	// GET /o?X-Goog-Date=20261123&X-Goog-Signature=***
}
