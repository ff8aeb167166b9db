package archcheck

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// slowToStart are packages whose initialisation costs every function
// instance milliseconds at start while valet needs none of their work
// (docs/benchmarks.md, "Cold start"): the module root that Cloud Functions
// builds, which links every function, must not depend on them.
var slowToStart = map[string]string{
	"cloud.google.com/go/storage":           "its gRPC transport registers xDS and Envoy protos and metrics exporters; shared/gcs speaks the JSON API through google.golang.org/api/storage/v1",
	"google.golang.org/grpc/xds":            "xDS client and Envoy protos, brought by cloud.google.com/go/storage",
	"github.com/santhosh-tekuri/jsonschema": "compiles every draft's meta-schemas in init; job.CheckSpec reads the spec schema itself (the library checks it in tests only)",
}

// TestFunctionsLinkNothingSlowToStart: go list -deps of the module root
// names none of slowToStart.
func TestFunctionsLinkNothingSlowToStart(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", module)
	cmd.Dir = moduleRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "go list: %s", stderr.String())
	deps := strings.Fields(string(out))
	require.Contains(t, deps, module+"/functions/jobs", "the module root links the functions")
	for _, dep := range deps {
		for prefix, why := range slowToStart {
			if dep == prefix || strings.HasPrefix(dep, prefix+"/") {
				t.Errorf("the functions link %s (%s): %s", dep, prefix, why)
			}
		}
	}
}
