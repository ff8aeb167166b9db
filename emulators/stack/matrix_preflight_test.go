package stack_test

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/terraform/policy"
)

// The preflight rows of the authorization matrix: a browser asks before it
// sends a bearer token or a JSON body. For every declared route of jobs,
// objects and tokens, the allowed frontend origin is answered for the
// route's own method and the headers valet needs; another origin, another
// method or another header is refused. A preflight carries no credential,
// so there is no "who" beyond the origin; the rows after it send alice's
// valid token from each origin.
func TestPreflightMatrix(t *testing.T) {
	s := startStack(t)
	rules := policy.LoadCORS().API
	const evil = "https://evil.example"
	type pre struct {
		origin, method, headers string
		want                    int
	}
	used := map[string]bool{}
	for _, fn := range []string{"jobs", "objects", "tokens"} {
		for _, route := range declaredRoutes[fn] {
			method, pattern, _ := strings.Cut(route, " ")
			used[method] = true
			path := fillPath(pattern, ref{id: "x", project: "p-x", space: "users/x"}, "x")
			other := http.MethodPatch
			rows := []pre{
				{frontendOrigin, method, "authorization, content-type", http.StatusNoContent},
				{frontendOrigin, method, "", http.StatusNoContent},
				{evil, method, "authorization, content-type", http.StatusForbidden},
				{"null", method, "authorization", http.StatusForbidden},
				{strings.Replace(frontendOrigin, "https:", "http:", 1), method, "authorization", http.StatusForbidden},
				{frontendOrigin, other, "authorization", http.StatusForbidden},
				{frontendOrigin, method, "authorization, x-serverless-authorization", http.StatusForbidden},
			}
			for _, p := range rows {
				t.Run(fn+" "+route+" from "+p.origin+" asking "+p.method+" ["+p.headers+"]", func(t *testing.T) {
					var requested []string
					if p.headers != "" {
						requested = []string{p.headers}
					}
					res := preflight(t, s.Info.Functions[fn]+path, p.origin, p.method, requested...)
					require.Equal(t, p.want, res.status)
					require.Contains(t, res.header.Values("Vary"), "Origin")
					require.Empty(t, res.header.Get("Access-Control-Allow-Credentials"))
					if p.want != http.StatusNoContent {
						require.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
						return
					}
					require.Equal(t, p.origin, res.header.Get("Access-Control-Allow-Origin"))
					require.Contains(t, strings.Split(res.header.Get("Access-Control-Allow-Methods"), ", "), method)
					require.Equal(t, strings.Join(rules.RequestHeaders, ", "), res.header.Get("Access-Control-Allow-Headers"))
					require.NotEmpty(t, res.header.Get("Access-Control-Max-Age"))
				})
			}
		}
	}
	t.Run("cors.json allows exactly the methods the routes have", func(t *testing.T) {
		var methods []string
		for m := range used {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		want := slices.Clone(rules.Methods)
		sort.Strings(want)
		require.Equal(t, want, methods)
	})

	// Real requests: alice's valid ID token from a refused origin never
	// reaches the route; from the frontend it does, with the CORS answer.
	alice := mint(t, s, oidc.TokenRequest{Sub: "preflight-alice", Email: "alice@example.com"})
	for _, fn := range []struct{ name, path string }{{"objects", "/spaces"}, {"jobs", "/jobs"}, {"tokens", "/tokens"}} {
		for origin, want := range map[string]int{frontendOrigin: http.StatusOK, evil: http.StatusForbidden, "": http.StatusOK} {
			t.Run("GET "+fn.name+fn.path+" with alice's token from "+orNone(origin), func(t *testing.T) {
				h := http.Header{"Authorization": {"Bearer " + alice}}
				if origin != "" {
					h.Set("Origin", origin)
				}
				res := sendRaw(t, http.MethodGet, s.Info.Functions[fn.name]+fn.path, h, nil)
				require.Equal(t, want, res.status)
				if origin == frontendOrigin {
					require.Equal(t, origin, res.header.Get("Access-Control-Allow-Origin"))
				} else {
					require.Empty(t, res.header.Get("Access-Control-Allow-Origin"))
				}
			})
		}
	}

	// Service functions serve no browser: no CORS answer at all.
	for _, fn := range []string{"dispatch", "sweep"} {
		res := preflight(t, s.Info.Functions[fn]+"/claim", frontendOrigin, http.MethodPost)
		require.Empty(t, res.header.Get("Access-Control-Allow-Origin"), fn)
	}
}
