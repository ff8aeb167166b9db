package ids_test

import (
	"fmt"

	"valet.dev/valet/shared/ids"
)

func ExampleParseSpaceID() {
	space, err := ids.ParseSpaceID("projects/genomics-lab")
	fmt.Println(space.Kind(), space.ID(), err)
	_, err = ids.ParseSpaceID("projects/Genomics")
	fmt.Println(err)
	// Output:
	// projects genomics-lab <nil>
	// invalid_argument: project id "Genomics" must start with a lowercase letter
}
