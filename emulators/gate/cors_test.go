package gate

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/terraform/policy"
)

func preflight(t *testing.T, f *fixture, origin, method, headers string) *http.Response {
	t.Helper()
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return f.do(t, http.MethodOptions, "http://"+f.host+"/"+testBucket+"/obj", h, nil)
}

// TestCORSPreflight: the gate answers preflights with the "buckets" rules
// of terraform/policy/cors.json, as Cloud Storage answers them with the
// bucket's CORS configuration: a requested header outside responseHeader
// fails the preflight like an unknown origin or method.
func TestCORSPreflight(t *testing.T) {
	f := newFixture(t, testOrigin)
	rules := policy.LoadCORS().Buckets

	res := preflight(t, f, testOrigin, http.MethodPut, "Content-Type, x-goog-content-length-range, x-goog-if-generation-match, content-md5")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, testOrigin, res.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, strings.Join(rules.Methods, ", "), res.Header.Get("Access-Control-Allow-Methods"))
	require.Equal(t, "content-type, x-goog-content-length-range, x-goog-if-generation-match, content-md5", res.Header.Get("Access-Control-Allow-Headers"))
	require.Equal(t, "3600", res.Header.Get("Access-Control-Max-Age"))

	for name, tc := range map[string]struct{ origin, method, headers string }{
		"other origin":                   {"http://evil.test", http.MethodPut, ""},
		"no origin":                      {"", http.MethodGet, ""},
		"method not in it":               {testOrigin, http.MethodDelete, ""},
		"x-goog header not in it":        {testOrigin, http.MethodPut, "content-type, x-goog-meta-owner"},
		"another header not in it":       {testOrigin, http.MethodGet, "authorization"},
		"resumable start is not allowed": {testOrigin, http.MethodPut, "x-goog-resumable"},
	} {
		res := preflight(t, f, tc.origin, tc.method, tc.headers)
		require.Equal(t, http.StatusForbidden, res.StatusCode, name)
		require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), name)
		require.Empty(t, res.Header.Get("Access-Control-Allow-Headers"), name)
		require.Equal(t, CodeAccessDenied, readXMLError(t, res).Code, name)
	}
}

// TestCORSWildcard: with "*" among the origins, Cloud Storage echoes the
// request's Origin.
func TestCORSWildcard(t *testing.T) {
	f := newFixture(t, "*")
	res := preflight(t, f, "http://anything.test", http.MethodGet, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "http://anything.test", res.Header.Get("Access-Control-Allow-Origin"))
}

// TestCORSOnResponses: real responses, success or refusal, carry
// Access-Control-Allow-Origin and Access-Control-Expose-Headers (the
// responseHeader list) for an allowed origin and method only.
func TestCORSOnResponses(t *testing.T) {
	f := newFixture(t, testOrigin)
	content := []byte("hi")
	res := f.do(t, http.MethodPut, f.sign(t, http.MethodPut, "cors", nil), http.Header{"Origin": {testOrigin}}, content)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, testOrigin, res.Header.Get("Access-Control-Allow-Origin"))
	require.Equal(t, strings.Join(policy.LoadCORS().Buckets.ResponseHeaders, ", "), res.Header.Get("Access-Control-Expose-Headers"))

	res = f.do(t, http.MethodGet, f.sign(t, http.MethodGet, "cors", nil), http.Header{"Origin": {"http://evil.test"}}, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), "fake-gcs-server's own '*' must not leak through")
	require.Empty(t, res.Header.Get("Access-Control-Expose-Headers"))

	res = f.do(t, http.MethodDelete, f.sign(t, http.MethodDelete, "cors", nil), http.Header{"Origin": {testOrigin}}, nil)
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"), "DELETE is not among the bucket's CORS methods")

	res = f.do(t, http.MethodGet, "http://"+f.host+"/"+testBucket+"/cors", http.Header{"Origin": {testOrigin}}, nil)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Equal(t, testOrigin, res.Header.Get("Access-Control-Allow-Origin"), "a browser must be able to read the refusal")
}
