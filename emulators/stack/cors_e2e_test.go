package stack_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/terraform/policy"
)

const (
	appOrigin  = "http://app.valet.test"
	evilOrigin = "http://evil.test"
)

// TestBucketCORSForEveryMintedURL sends, for every kind of signed URL valet
// mints (workspace upload, the dispatch bundle's workspace download and
// output and attestation uploads, output and attestation downloads, object
// upload and object download), the preflight a browser would send for it,
// with exactly the headers the URL requires, then the real request.
// The gate applies terraform/policy/cors.json as Cloud Storage applies a
// bucket's CORS configuration: from the frontend's origin every preflight
// passes and every answer is readable; from another origin, or asking for
// a header outside responseHeader, the preflight fails.
func TestBucketCORSForEveryMintedURL(t *testing.T) {
	s := startStack(t, func(o *stack.Options) { o.AllowedOrigins = []string{appOrigin} })
	jobsURL, dispatchURL, objectsURL := s.Info.Functions["jobs"], s.Info.Functions["dispatch"], s.Info.Functions["objects"]
	user := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "carol", Email: "carol@example.com"}), rec: nil}
	dispatcher := dispatcherClient(t, s, nil)
	minted := map[string]bool{}
	browser := func(kind string, u signedURL, body []byte) []byte {
		t.Helper()
		minted[kind] = true
		return corsRoundTrip(t, kind, u, body)
	}

	workspace := []byte("workspace bytes")
	created := user.submit(jobsURL, "example/build", workspace, map[string]any{"requireAttestation": true})
	browser("workspace upload", created.Upload, workspace)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	waitForState(t, user, jobURL, "QUEUED")

	claim := dispatcher.claim(dispatchURL, "cors")
	bundle := dispatcher.bundle(dispatchURL, claim.Job.ID, claim.Lock.Epoch)
	bundle.Workspace.Method = http.MethodGet
	require.Equal(t, workspace, browser("workspace download", bundle.Workspace, nil))
	dispatcher.report(dispatchURL, claim.Job.ID, claim.Lock.Epoch, "RUNNING")
	bundle.Output.Method, bundle.Attestation.Method = http.MethodPut, http.MethodPut
	browser("output upload", bundle.Output, []byte("output"))
	browser("attestation upload", bundle.Attestation, []byte(`{"report":"tee"}`))
	waitForState(t, user, jobURL, "SUCCEEDED")
	for _, kind := range []string{"output", "attestation"} {
		var dl signedURL
		user.handout(http.MethodGet, jobURL+"/"+kind, nil, http.StatusOK, &dl)
		dl.Method = http.MethodGet
		browser(kind+" download", dl, nil)
	}

	var spaces struct {
		Spaces []struct{ ID string } `json:"spaces"`
	}
	user.do(http.MethodGet, objectsURL+"/spaces", nil, http.StatusOK, &spaces)
	image := []byte("png bytes")
	obj := user.createObject(objectsURL, spaces.Spaces[0].ID, "a.png", "image/png", image)
	browser("object upload", obj.Upload, image)
	objectURL := objectsURL + "/objects/" + obj.Object.ID
	waitForState(t, user, objectURL, "READY")
	var dl signedURL
	user.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &dl)
	dl.Method = http.MethodGet
	require.Equal(t, image, browser("object download", dl, nil))

	require.Len(t, minted, 8, "every kind of signed URL valet mints")
}

// corsRoundTrip checks u's preflights (allowed origin; refused origin; an
// extra header outside responseHeader), then sends the real request from
// the allowed origin and returns the body; the answer must be readable by
// the page. Downloads are also sent from the refused origin: Cloud Storage
// serves a simple GET but without CORS headers, so the page cannot read it.
func corsRoundTrip(t *testing.T, kind string, u signedURL, body []byte) []byte {
	t.Helper()
	rules := policy.LoadCORS().Buckets
	var requested []string
	for name := range u.Headers {
		requested = append(requested, strings.ToLower(name))
	}
	slices.Sort(requested)

	res := preflight(t, u.URL, appOrigin, u.Method, requested...)
	require.Equal(t, http.StatusOK, res.status, "%s: preflight from the frontend asking for %v: %s", kind, requested, res.body)
	require.Equal(t, appOrigin, res.header.Get("Access-Control-Allow-Origin"), kind)
	require.Contains(t, res.header.Get("Access-Control-Allow-Methods"), u.Method, kind)
	if len(requested) > 0 {
		require.Equal(t, strings.Join(requested, ", "), res.header.Get("Access-Control-Allow-Headers"), kind)
	}
	require.Equal(t, fmt.Sprint(rules.MaxAgeSeconds), res.header.Get("Access-Control-Max-Age"), kind)

	for why, h := range map[string]http.Header{
		"another origin":                      corsHeaders(evilOrigin, u.Method, requested),
		"a header outside responseHeader":     corsHeaders(appOrigin, u.Method, append(slices.Clone(requested), "x-goog-meta-owner")),
		"a method outside the bucket's rules": corsHeaders(appOrigin, http.MethodDelete, requested),
	} {
		res := sendRaw(t, http.MethodOptions, u.URL, h, nil)
		require.Equal(t, http.StatusForbidden, res.status, "%s: preflight with %s", kind, why)
		require.Empty(t, res.header.Get("Access-Control-Allow-Origin"), "%s: preflight with %s", kind, why)
	}

	real := u.header()
	real.Set("Origin", appOrigin)
	res = sendRaw(t, u.Method, u.URL, real, body)
	require.Equal(t, http.StatusOK, res.status, "%s: %s", kind, res.body)
	require.Equal(t, appOrigin, res.header.Get("Access-Control-Allow-Origin"), kind)
	require.Equal(t, strings.Join(rules.ResponseHeaders, ", "), res.header.Get("Access-Control-Expose-Headers"), kind)
	if u.Method == http.MethodGet {
		other := sendRaw(t, http.MethodGet, u.URL, http.Header{"Origin": {evilOrigin}}, nil)
		require.Equal(t, http.StatusOK, other.status, kind)
		require.Empty(t, other.header.Get("Access-Control-Allow-Origin"), "%s: another origin cannot read the bytes", kind)
	}
	return res.body
}

// preflight sends the CORS preflight a browser at origin sends to url
// before a method request carrying the requested headers.
func preflight(t *testing.T, url, origin, method string, requested ...string) answer {
	t.Helper()
	return sendRaw(t, http.MethodOptions, url, corsHeaders(origin, method, requested), nil)
}

func corsHeaders(origin, method string, requested []string) http.Header {
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if len(requested) > 0 {
		h.Set("Access-Control-Request-Headers", strings.Join(requested, ","))
	}
	return h
}
