package apitest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/signer"
)

// RequireClientAnswer checks what a fuzz target asserts of every answer to
// input a client chose: never a 5xx, and a body that is JSON (an
// ErrorBody with a code and a message for every 4xx). what names the
// request in the failure.
func RequireClientAnswer(t testing.TB, r Response, what string) {
	t.Helper()
	require.Less(t, r.Status, 500, "%s answered %d: %s", what, r.Status, r.Body)
	if r.Status == http.StatusNoContent {
		return
	}
	require.True(t, json.Valid(r.Body), "%s answered %d with a body that is not JSON: %q", what, r.Status, r.Body)
	if r.Status >= 400 {
		var e struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &e), "%s: %s", what, r.Body)
		require.NotEmpty(t, e.Error.Code, "%s: %s", what, r.Body)
		require.NotEmpty(t, e.Error.Message, "%s: %s", what, r.Body)
	}
}

// Probe sends method base+path with body as c (see Do) and checks the
// answer is a client's (RequireClientAnswer): what a fuzz target asserts
// of every request.
func (c Caller) Probe(t testing.TB, base, method, path string, body any) {
	t.Helper()
	RequireClientAnswer(t, c.Do(t, base, method, path, body), method+" "+path)
}

// RequireUpload checks a signed upload answer: a PUT binding exactly
// headers, expiring at expires (within 5 s: the handler read its clock a
// little after the test), and returns its parsed URL.
func RequireUpload(t testing.TB, up signer.URL, headers map[string]string, expires time.Time) *url.URL {
	t.Helper()
	require.Equal(t, http.MethodPut, up.Method)
	require.Equal(t, headers, up.Headers)
	require.WithinDuration(t, expires, up.ExpiresAt, 5*time.Second)
	u, err := url.Parse(up.URL)
	require.NoError(t, err)
	return u
}
