package dispatch_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/httpapi/apitest"
)

func TestBundleNeverLogged(t *testing.T) {
	e := newEnv(t)
	logs := apitest.CaptureLogs(t)

	q, c := e.claimedJob(t)
	raw := e.auth(t, q.ID, c.Lock.Epoch)
	b := decode[bundle](t, raw)
	secrets := decode[tokenBundle](t, raw)
	require.NotEmpty(t, secrets.JobToken)
	require.NotEmpty(t, secrets.WorkflowToken)
	status, _ := e.call(t, "service:disp2", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	require.Equal(t, http.StatusConflict, status)

	out := logs.String()
	require.Contains(t, out, "/jobs/"+q.ID.String()+"/auth", "the access log was captured")
	for _, u := range []string{b.Workspace.URL, b.Output.URL, b.Attestation.URL} {
		require.NotContains(t, out, sig(t, u))
	}
	require.NotContains(t, out, "X-Goog-Signature")
	for _, token := range []string{secrets.JobToken, secrets.WorkflowToken} {
		for _, part := range strings.Split(token, ".") {
			require.NotContains(t, out, part, "no part of a token reaches the log")
		}
	}
}
