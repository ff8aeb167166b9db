package gate

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func preflight(t *testing.T, f *fixture, origin, method, headers string) *http.Response {
	t.Helper()
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return f.do(t, http.MethodOptions, "http://"+f.host+"/"+testBucket+"/obj", h, nil)
}

func TestCORSPreflight(t *testing.T) {
	f := newFixture(t, testOrigin)

	res := preflight(t, f, testOrigin, http.MethodPut, "Content-Type, x-goog-content-length-range, Authorization, content-md5")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, testOrigin, res.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "GET, PUT, HEAD", res.Header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "content-type, x-goog-content-length-range, content-md5", res.Header.Get("Access-Control-Allow-Headers"))
	require.Equal(t, "3600", res.Header.Get("Access-Control-Max-Age"))

	for name, tc := range map[string]struct{ origin, method string }{
		"other origin":     {"http://evil.test", http.MethodPut},
		"no origin":        {"", http.MethodGet},
		"method not in it": {testOrigin, http.MethodDelete},
	} {
		res := preflight(t, f, tc.origin, tc.method, "")
		require.Equal(t, http.StatusForbidden, res.StatusCode, name)
		require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), name)
		require.Equal(t, CodeAccessDenied, readXMLError(t, res).Code, name)
	}
}

func TestCORSWildcard(t *testing.T) {
	f := newFixture(t, "*")
	res := preflight(t, f, "http://anything.test", http.MethodGet, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "*", res.Header.Get("Access-Control-Allow-Origin"))
}

// TestCORSOnResponses: real responses, success or refusal, carry the CORS
// headers for an allowed origin only.
func TestCORSOnResponses(t *testing.T) {
	f := newFixture(t, testOrigin)
	content := []byte("hi")
	res := f.do(t, http.MethodPut, f.sign(t, http.MethodPut, "cors", nil), http.Header{"Origin": {testOrigin}}, content)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, testOrigin, res.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "ETag, x-goog-generation, x-goog-hash", res.Header.Get("Access-Control-Expose-Headers"))

	res = f.do(t, http.MethodGet, f.sign(t, http.MethodGet, "cors", nil), http.Header{"Origin": {"http://evil.test"}}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), "fake-gcs-server's own '*' must not leak through")

	res = f.do(t, http.MethodGet, "http://"+f.host+"/"+testBucket+"/cors", http.Header{"Origin": {testOrigin}}, nil)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, testOrigin, res.Header.Get("Access-Control-Allow-Origin"), "a browser must be able to read the refusal")
}
