package objects

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
)

// testedRoutes is every route of New that this package's tests call; a
// route added to New without tests fails TestEveryRouteIsListed, and one
// listed but never called fails the run (see TestMain).
var testedRoutes = []string{
	"GET /spaces",
	"POST /projects",
	"GET /projects/{project}",
	"DELETE /projects/{project}",
	"PUT /projects/{project}/members/{user}",
	"DELETE /projects/{project}/members/{user}",
	"POST /spaces/{kind}/{owner}/objects",
	"GET /spaces/{kind}/{owner}/objects",
	"GET /spaces/{kind}/{owner}/audit",
	"GET /objects/{id}",
	"GET /objects/{id}/download",
	"POST /objects/{id}/copy",
	"POST /objects/{id}/revoke",
	"DELETE /objects/{id}",
}

// registered is the patterns of New's routes.
func registered() []string {
	var out []string
	for pattern := range (&handler{}).routes() {
		out = append(out, pattern)
	}
	return out
}

// exercised records which route each test request reached.
var exercised = struct {
	sync.Mutex
	mux  *http.ServeMux
	seen map[string]bool
}{seen: map[string]bool{}}

// record notes the route req is served by.
func record(req *http.Request) {
	exercised.Lock()
	defer exercised.Unlock()
	if exercised.mux == nil {
		exercised.mux = http.NewServeMux()
		for _, p := range registered() {
			exercised.mux.Handle(p, http.NotFoundHandler())
		}
	}
	if _, pattern := exercised.mux.Handler(req); pattern != "" {
		exercised.seen[pattern] = true
	}
}

func TestEveryRouteIsListed(t *testing.T) {
	got := registered()
	slices.Sort(got)
	want := slices.Clone(testedRoutes)
	slices.Sort(want)
	if !slices.Equal(want, got) {
		t.Fatalf("New registers %q but the tests list %q: add tests for new routes to testedRoutes", got, want)
	}
}

// TestMain fails a full run in which a listed route was never called.
func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if f := flag.Lookup("test.run"); code == 0 && f != nil && f.Value.String() == "" && !testing.Short() {
		exercised.Lock()
		for _, r := range testedRoutes {
			if !exercised.seen[r] {
				fmt.Fprintf(os.Stderr, "route %s is listed but no test called it\n", r)
				code = 1
			}
		}
		exercised.Unlock()
	}
	os.Exit(code)
}
