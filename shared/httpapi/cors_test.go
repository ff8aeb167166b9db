package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/terraform/policy"
)

const console = "https://console.example"

func corsHandler(t *testing.T) (http.Handler, *int) {
	t.Helper()
	served := 0
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) { served++; w.WriteHeader(http.StatusOK) }
	mux.HandleFunc("GET /jobs", ok)
	mux.HandleFunc("POST /jobs", ok)
	mux.HandleFunc("POST /jobs/{id}/cancel", ok)
	mux.HandleFunc("DELETE /tokens/{id}", ok)
	return httpapi.Serve(mux, []string{console}), &served
}

func preflight(h http.Handler, origin, path, method, headers string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodOptions, path, nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		r.Header.Set("Access-Control-Request-Headers", headers)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPreflightFromAnAllowedOrigin(t *testing.T) {
	h, served := corsHandler(t)
	rules := policy.LoadCORS().API
	w := preflight(h, console, "/jobs", "POST", "authorization,content-type")
	require.Equal(t, http.StatusNoContent, w.Code, w.Body.String())
	require.Equal(t, console, w.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, "GET, POST", w.Header().Get("Access-Control-Allow-Methods"), "exactly the route's methods")
	require.Equal(t, "Authorization, Content-Type", w.Header().Get("Access-Control-Allow-Headers"))
	require.Equal(t, rules.RequestHeaders, []string{"Authorization", "Content-Type"})
	require.Equal(t, "3600", w.Header().Get("Access-Control-Max-Age"))
	require.Empty(t, w.Header().Get("Access-Control-Allow-Credentials"), "bearer tokens only: no credentials mode")
	require.Contains(t, w.Header().Values("Vary"), "Origin")
	require.Zero(t, *served, "a preflight never reaches the route")

	w = preflight(h, console, "/jobs/j_1/cancel", "POST", "Authorization")
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Equal(t, "POST", w.Header().Get("Access-Control-Allow-Methods"))
	w = preflight(h, console, "/tokens/t1", "DELETE", "authorization")
	require.Equal(t, http.StatusNoContent, w.Code)
	require.Equal(t, "DELETE", w.Header().Get("Access-Control-Allow-Methods"))
}

func TestPreflightRefusals(t *testing.T) {
	h, served := corsHandler(t)
	for name, tc := range map[string]struct {
		origin, path, method, headers string
		status                        int
	}{
		"another origin":           {"https://evil.example", "/jobs", "POST", "authorization", http.StatusForbidden},
		"the console on http":      {"http://console.example", "/jobs", "GET", "", http.StatusForbidden},
		"null origin":              {"null", "/jobs", "GET", "", http.StatusForbidden},
		"a method the route lacks": {console, "/jobs", "DELETE", "authorization", http.StatusForbidden},
		"a method nobody allows":   {console, "/jobs", "PATCH", "", http.StatusForbidden},
		"a header not allowed":     {console, "/jobs", "POST", "authorization,x-goog-signature", http.StatusForbidden},
		"cookies are no header":    {console, "/jobs", "GET", "cookie", http.StatusForbidden},
		"no such route":            {console, "/nothing", "GET", "", http.StatusNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			w := preflight(h, tc.origin, tc.path, tc.method, tc.headers)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Allow-Credentials"} {
				require.Empty(t, w.Header().Get(k), k)
			}
			require.Contains(t, w.Header().Values("Vary"), "Origin")
			require.Contains(t, w.Body.String(), `"error"`)
		})
	}
	require.Zero(t, *served)
}

func TestCORSOnRequests(t *testing.T) {
	h, served := corsHandler(t)
	send := func(origin string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/jobs", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := send(console)
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, console, w.Header().Get("Access-Control-Allow-Origin"))
	require.Equal(t, "Retry-After, X-Request-Id, X-Cloud-Trace-Context", w.Header().Get("Access-Control-Expose-Headers"))
	require.Equal(t, 1, *served)

	w = send("https://evil.example")
	require.Equal(t, http.StatusForbidden, w.Code, "a browser on a refused origin is refused before the route")
	require.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
	require.Contains(t, w.Body.String(), "VALET_ALLOWED_ORIGINS")
	require.Equal(t, 1, *served)

	w = send("") // the CLI, a worker: no Origin
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
	require.Contains(t, w.Header().Values("Vary"), "Origin")

	// OPTIONS without a preflight's headers is an ordinary request: 405.
	r := httptest.NewRequest(http.MethodOptions, "/jobs", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}

func TestParseOrigins(t *testing.T) {
	got, err := httpapi.ParseOrigins(" https://A.example/, http://127.0.0.1:8080,https://a.example ,")
	require.NoError(t, err)
	require.Equal(t, []string{"https://a.example", "http://127.0.0.1:8080"}, got)
	for _, bad := range []string{"*", "a.example", "ftp://a.example", "https://a.example/x", "https://u@a.example", "https://a.example?x", "https://a.example#f", "https://"} {
		_, err := httpapi.ParseOrigins(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParseOrigins(f *testing.F) {
	f.Add("https://a.example, http://127.0.0.1:1")
	f.Add("*")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := httpapi.ParseOrigins(raw)
		if err != nil {
			return
		}
		for _, o := range got {
			again, err := httpapi.ParseOrigin(o)
			require.NoError(t, err, "a parsed origin parses again: %q", o)
			require.Equal(t, o, again)
		}
	})
}
