package client

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/openapi"
)

// TestDocumentDescribesEveryRoute: shared/openapi's document and the
// functions' code name the same routes, both ways. Every route pattern a
// function registers (read from its source, as TestClientCoversEveryRoute
// does) is an operation tagged with that function, and every operation
// tagged with a function is a route it registers: a new route without a
// description fails here, and so does a description of a route that does
// not exist.
func TestDocumentDescribesEveryRoute(t *testing.T) {
	for _, fn := range []string{Jobs, Objects, Tokens, Dispatch, Sweep, "finalize", "console"} {
		routes, err := openapi.Routes(fn)
		require.NoError(t, err)
		var documented []string
		for _, r := range routes {
			documented = append(documented, r.Pattern())
			for _, a := range r.Aliases {
				documented = append(documented, r.Method+" "+a)
			}
		}
		var registered []string
		for _, p := range sourceRoutes(t, fn) {
			method, path, _ := strings.Cut(p, " ")
			switch {
			case path == "/{$}":
				registered = append(registered, method+" /") // ServeMux's exact root
			case fn == "console" && p == "GET /":
				// The console's one pattern for its page and its files.
				registered = append(registered, "GET /", "GET /{file}")
			default:
				registered = append(registered, p)
			}
		}
		slices.Sort(documented)
		slices.Sort(registered)
		require.Equal(t, registered, documented,
			"%s: the routes it registers (left) and those shared/openapi/openapi.json describes with its tag (right) differ", fn)
	}
}
