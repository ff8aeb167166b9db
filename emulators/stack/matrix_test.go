package stack_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/functions/console"
	"valet.dev/valet/functions/tokens"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/terraform/policy"
)

// TestAuthorizationMatrix runs the authorization matrix of matrix_rows_test.go
// against an in-process stack: every route of objects, jobs and tokens, for
// owner, editor, viewer and non-member, with ID tokens, API tokens (all
// scopes and narrowed), no credential and bad ones. A route a function
// registers without rows fails the test.
//
// No row is ever skipped: a row whose resource the fixture could not make
// fails, and the fixture fails when the stack cannot build its world, so
// the matrix cannot pass by not running. MATRIX_LOGS=1 keeps the stack's
// request logs. Failing rows are printed as one table at the end.
func TestAuthorizationMatrix(t *testing.T) {
	if os.Getenv("MATRIX_LOGS") != "1" {
		prev := slog.Default()
		slog.SetDefault(slog.New(slog.DiscardHandler)) // hundreds of request logs would hide the table
		t.Cleanup(func() { slog.SetDefault(prev) })
	}
	rows := matrixRows()
	t.Run("every registered route has rows", func(t *testing.T) { checkRouteCoverage(t, rows) })

	f := newMatrixFixture(t)
	t.Run("every declared route exists", func(t *testing.T) { probeRoutes(t, f) })

	var (
		mu       sync.Mutex
		failures []string
	)
	// Destructive rows last, each on a fresh resource, so nothing they do
	// spoils another row.
	slices.SortStableFunc(rows, func(a, b row) int {
		return boolCmp(destructive(a.route), destructive(b.route))
	})
	for _, r := range rows {
		name := fmt.Sprintf("%s %s on %s as %s with %s", r.fn, r.route, orNone(string(r.res)), r.who, r.cred)
		if r.target != "" {
			name += " for " + string(r.target)
		}
		if r.dest != "" {
			name += " into " + string(r.dest)
		}
		t.Run(name, func(t *testing.T) {
			got := f.run(t, r)
			r.want = f.sharpen(r)
			if !wanted(r.want, got.status) {
				mu.Lock()
				failures = append(failures, strings.Join([]string{string(r.who), string(r.cred), r.fn + " " + r.route,
					orNone(string(r.res)), wantText(r.want), fmt.Sprint(got.status), got.message()}, "\t"))
				mu.Unlock()
				t.Errorf("want %s, got %d: %s", wantText(r.want), got.status, got.message())
			}
		})
	}
	t.Logf("matrix: %d rows, %d failing", len(rows), len(failures))
	if len(failures) > 0 {
		var b strings.Builder
		w := tabwriter.NewWriter(&b, 0, 2, 2, ' ', 0)
		fmt.Fprintln(w, "WHO\tCREDENTIAL\tROUTE\tRESOURCE\tWANT\tGOT\tERROR")
		for _, line := range failures {
			fmt.Fprintln(w, line)
		}
		_ = w.Flush()
		t.Errorf("failing rows:\n%s", b.String())
	}
}

// run sends r's request and returns the answer.
func (f *matrixFixture) run(t *testing.T, r row) response {
	t.Helper()
	res, ok := f.shared[r.res]
	if destructive(r.route) {
		res, ok = f.fresh(t, r.res)
	}
	require.True(t, ok || r.res == noResource, "the fixture has no %s to act on", r.res)
	method, pattern, _ := strings.Cut(r.route, " ")
	path := fillPath(pattern, res, f.uid[r.target])
	if r.query != "" {
		path += "?" + strings.NewReplacer("{project}", res.project, "{epoch}", fmt.Sprint(res.epoch)).Replace(r.query)
	}
	token, known := f.creds[r.who][r.cred]
	require.True(t, known, "no %s credential for %s: add it to the fixture", r.cred, r.who)
	if r.cred == forDispatch || r.cred == forSweep {
		// A service calls a private function as the reference worker
		// does: the same token for the front door and for the function.
		h := http.Header{}
		h.Set("Authorization", "Bearer "+token)
		h.Set(identity.ServerlessAuthorization, "Bearer "+token)
		got := apitest.Send(t, method, f.fn(r.fn)+path, f.body(r, res), h)
		return response{got.Status, got.Body}
	}
	return send(t, method, f.fn(r.fn)+path, token, f.body(r, res))
}

// body is the request body r sends, nil for none.
func (f *matrixFixture) body(r row, res ref) any {
	switch r.route {
	case "POST /projects":
		return map[string]any{"displayName": "matrix"}
	case "PUT /projects/{project}/members/{user}":
		return map[string]any{"role": "viewer"}
	case "POST /spaces/{kind}/{owner}/objects":
		return f.objectBody()
	case "POST /objects/{id}/copy":
		if r.dest != "" {
			return map[string]any{"space": f.shared[r.dest].space}
		}
		uid := f.uid[r.who]
		if uid == "" {
			uid = "nobody"
		}
		return map[string]any{"space": "users/" + uid}
	case "POST /jobs":
		return jobBody(res.project)
	case "POST /tokens":
		return map[string]any{"name": "matrix", "scopes": []string{"objects:read"}, "expiresInSeconds": 3600}
	case "POST /claim":
		return map[string]any{"worker": "matrix", "leaseSeconds": 3600}
	case "POST /jobs/{id}/heartbeat":
		return map[string]any{"epoch": res.epoch, "leaseSeconds": 3600}
	case "POST /jobs/{id}/state":
		return map[string]any{"epoch": res.epoch, "state": "RUNNING"} // repeating RUNNING changes nothing
	case "POST /":
		return map[string]any{}
	}
	return nil
}

// fillPath puts res (and the member user) into a route pattern's wildcards.
func fillPath(pattern string, res ref, user string) string {
	kind, owner, _ := strings.Cut(res.space, "/")
	return strings.NewReplacer(
		"{id}", res.id, "{project}", res.project, "{kind}", kind, "{owner}", owner, "{user}", user, "{$}", "",
	).Replace(pattern)
}

// destructive routes change or remove what they act on; their rows each
// get a fresh resource.
func destructive(route string) bool {
	return strings.HasPrefix(route, "DELETE ") || strings.HasPrefix(route, "PUT ") ||
		strings.HasSuffix(route, "/cancel") || strings.HasSuffix(route, "/revoke")
}

// sharpen turns okOrConflict into anyOK for the shared objects, which the
// fixture waits to be READY: then no state refuses a download or a copy.
func (f *matrixFixture) sharpen(r row) int {
	uploaded := (r.res == aliceObject || r.res == projectObject) && !destructive(r.route)
	if r.want == okOrConflict && uploaded {
		return anyOK
	}
	return r.want
}

func wanted(want, got int) bool {
	switch want {
	case okOrConflict:
		return got/100 == 2 || got == http.StatusConflict
	case anyOK:
		return got/100 == 2
	}
	return want == got
}

func wantText(want int) string {
	switch want {
	case okOrConflict:
		return "2xx|409"
	case anyOK:
		return "2xx"
	}
	return fmt.Sprint(want)
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// patternLiteral matches a ServeMux pattern in Go source, wherever it is
// registered from (mux.Handle("GET /x", ...), a route table {"GET /x", h.x},
// or "GET "+Name): a string literal that starts with a method and a path.
var patternLiteral = regexp.MustCompile(`"((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) [^"]*)"(?:\s*\+\s*([\w.]+))?`)

// routeConstants resolves the constants sources concatenate into patterns.
var routeConstants = map[string]string{
	"httpapi.HealthPath":  httpapi.HealthPath,
	"httpapi.OpenAPIPath": httpapi.OpenAPIPath,
	"JWKSPath":            tokens.JWKSPath,
	"ConfigPath":          console.ConfigPath,
}

// registeredRoutes reads the patterns a function's sources register, and
// health where they are built on the httpapi.Function skeleton.
func registeredRoutes(t *testing.T, fn string) []string {
	t.Helper()
	dir := filepath.Join("..", "..", "functions", fn)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var routes []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		if strings.Contains(string(src), "httpapi.Function{") { // the skeleton serves health and its document
			routes = append(routes, "GET "+httpapi.HealthPath, "GET "+httpapi.OpenAPIPath)
		}
		for _, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			for _, m := range patternLiteral.FindAllStringSubmatch(line, -1) {
				routes = append(routes, resolvePattern(t, fn+"/"+e.Name(), m[1], m[2]))
			}
		}
	}
	require.NotEmpty(t, routes, "no routes found in %s", dir)
	return routes
}

// resolvePattern appends the value of the constant a pattern literal is
// concatenated with, if any.
func resolvePattern(t *testing.T, file, literal, constant string) string {
	t.Helper()
	if constant == "" {
		return literal
	}
	v, ok := routeConstants[constant]
	require.True(t, ok, "%s registers %q+%s: add %s to routeConstants", file, literal, constant, constant)
	return literal + v
}

// checkRouteCoverage fails for a registered route that is not declared or
// has no rows, and for rows of routes nobody registers.
func checkRouteCoverage(t *testing.T, rows []row) {
	for _, fn := range stack.FunctionNames {
		require.Contains(t, declaredRoutes, fn, "the stack serves %s: declare its routes and give them rows", fn)
	}
	withRows := map[string]int{}
	for _, r := range rows {
		withRows[r.fn+" "+r.route]++
	}
	for fn, declared := range declaredRoutes {
		registered := registeredRoutes(t, fn)
		for _, route := range registered {
			require.Contains(t, declared, route, "%s registers %s: declare it in declaredRoutes and give it rows", fn, route)
			require.NotZero(t, withRows[fn+" "+route], "%s %s has no rows in the matrix", fn, route)
		}
		for _, route := range declared {
			require.Contains(t, registered, route, "%s no longer registers %s: drop it from declaredRoutes and the matrix", fn, route)
		}
	}
	// Each authenticated route must be shown both to refuse a missing
	// credential and to let someone through.
	refuses, admits := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		key := r.fn + " " + r.route
		refuses[key] = refuses[key] || r.want == http.StatusUnauthorized
		admits[key] = admits[key] || r.want == okOrConflict || r.want == anyOK || r.want/100 == 2
	}
	for key := range withRows {
		_, route, _ := strings.Cut(key, " ")
		if frontDoorOnly[key] != "" {
			continue
		}
		require.True(t, admits[key], "%s has no row that is let through", key)
		require.True(t, publicRoutes[route] || refuses[key], "%s has no row that answers 401", key)
	}
	for key := range withRows {
		fn, route, _ := strings.Cut(key, " ")
		require.Contains(t, declaredRoutes[fn], route, "rows for %s, which is not declared", key)
	}
	checkCredentialCoverage(t, rows)
}

// checkCredentialCoverage fails unless every authenticated route has, for
// every kind of credential its function may be sent (credentialKinds), at
// least one row stating the answer: a route cannot be added, nor a
// credential kind, without deciding what each kind gets.
func checkCredentialCoverage(t *testing.T, rows []row) {
	t.Helper()
	stated := map[string]bool{}
	for _, r := range rows {
		stated[r.fn+" "+r.route+" "+string(r.cred)] = true
	}
	var missing []string
	for fn, routes := range declaredRoutes {
		for _, route := range routes {
			if publicRoutes[route] || frontDoorOnly[fn+" "+route] != "" {
				continue
			}
			for _, c := range credentialKinds[fn] {
				if !stated[fn+" "+route+" "+string(c)] {
					missing = append(missing, fmt.Sprintf("%s %s with %s", fn, route, c))
				}
			}
		}
	}
	slices.Sort(missing)
	require.Empty(t, missing, "routes without a row for a credential kind: state what each gets")
}

// probeRoutes proves each declared route exists on the stack: without a
// credential it answers 401 (public routes 200), never 404 or 405. A
// private function is probed behind its front door, which would refuse
// every probe alike.
func probeRoutes(t *testing.T, f *matrixFixture) {
	invokers := policy.LoadInvokers()
	for fn, routes := range declaredRoutes {
		for _, route := range routes {
			method, pattern, _ := strings.Cut(route, " ")
			path := fillPath(pattern, ref{id: "x", project: "x", space: "x/x"}, "x")
			var got response
			if invokers.Public(fn) {
				got = send(t, method, f.fn(fn)+path, "", nil)
			} else {
				w := httptest.NewRecorder()
				f.s.Function(fn).ServeHTTP(w, httptest.NewRequest(method, path, nil))
				got = response{w.Code, w.Body.Bytes()}
			}
			want := http.StatusUnauthorized
			switch {
			case publicRoutes[route]:
				want = http.StatusOK
			case frontDoorOnly[fn+" "+route] != "":
				want = http.StatusUnsupportedMediaType // no CloudEvent in the request
			}
			require.Equal(t, want, got.status, "%s %s without a credential: %s", fn, route, got.message())
		}
	}
}
