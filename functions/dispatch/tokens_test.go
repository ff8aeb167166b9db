package dispatch_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
)

// tokenBundle is the secret half of the auth bundle.
type tokenBundle struct {
	JobToken      string `json:"jobToken"`
	RuntimeToken  string `json:"runtimeToken"`
	WorkflowToken string `json:"workflowToken"`
}

func (e *env) tokens(t *testing.T, who string, id ids.JobID, epoch int64) tokenBundle {
	t.Helper()
	status, raw := e.call(t, who, http.MethodGet, authPath(id, epoch), nil)
	require.Equal(t, http.StatusOK, status, string(raw))
	return decode[tokenBundle](t, raw)
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(raw, &c))
	return c
}

// TestBundleCarriesTheJobsTokens: a job token for this epoch only, the
// workflow token (the same across epochs), and the runtime token the job
// was submitted with.
func TestBundleCarriesTheJobsTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	q := e.queued(t, t0, func(j *job.Job) { j.RuntimeScopes, j.HasRuntimeToken = []string{"objects:read"}, true })
	require.NoError(t, e.secrets.Store.Put(ctx, q, custody.RuntimeToken, "runtime-canary-7f3a", q.Deadline))
	verifier := jobtoken.NewVerifier(e.keys, tokenIssuer, e.store.Get, e.clock.Now)

	c1 := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
	first := e.tokens(t, "service:disp1", q.ID, c1.Lock.Epoch)
	require.Equal(t, "runtime-canary-7f3a", first.RuntimeToken)
	p, err := verifier.Verify(ctx, first.JobToken)
	require.NoError(t, err)
	require.Equal(t, identity.Principal{Kind: identity.Job, ID: "u1", Scopes: []string{"objects:read"}, TokenID: p.TokenID}, p)

	wf := jwtClaims(t, first.WorkflowToken)
	require.Equal(t, q.ID.String(), wf["job"])
	require.Equal(t, "u1", wf["sub"])
	require.Equal(t, "copy-offload", wf["aud"])
	require.Equal(t, tokenIssuer, wf["iss"])
	require.EqualValues(t, q.Deadline.Unix(), wf["exp"])

	// Handed back and claimed again: the old job token stops working, the
	// new one works, the workflow token is the same.
	status, raw := e.call(t, "service:disp1", http.MethodPost, "/jobs/"+q.ID.String()+"/state", map[string]any{"epoch": c1.Lock.Epoch, "state": "QUEUED"})
	require.Equal(t, http.StatusOK, status, string(raw))
	_, err = verifier.Verify(ctx, first.JobToken)
	require.Error(t, err, "a requeued job's old token")
	c2 := e.claim(t, "service:disp2", map[string]any{"worker": "w2"})
	second := e.tokens(t, "service:disp2", q.ID, c2.Lock.Epoch)
	require.NotEqual(t, first.JobToken, second.JobToken)
	_, err = verifier.Verify(ctx, first.JobToken)
	require.Error(t, err, "an old epoch's token after a new claim")
	_, err = verifier.Verify(ctx, second.JobToken)
	require.NoError(t, err)
	require.Equal(t, first.WorkflowToken, second.WorkflowToken, "one workflow token per job")
}

func TestBundleWithoutRuntimeToken(t *testing.T) {
	e := newEnv(t)
	q, c := e.claimedJob(t)
	raw := e.auth(t, q.ID, c.Lock.Epoch)
	require.NotContains(t, string(raw), "runtimeToken")
	require.NotEmpty(t, decode[tokenBundle](t, raw).WorkflowToken)
}

// TestReportedFailureScrubsSecrets: FAILED is final; Secret Manager then
// holds nothing of the job and the auth route answers 410. Jobs created
// before the per-job layout (two secrets, one per kind) are read and
// scrubbed too.
func TestReportedFailureScrubsSecrets(t *testing.T) {
	for name, layout := range map[string]struct {
		layout  job.SecretLayout
		secrets int
	}{"per job": {job.SecretsPerJob, 1}, "per kind": {job.SecretsPerKind, 2}} {
		t.Run(name, func(t *testing.T) { testReportedFailureScrubsSecrets(t, layout.layout, layout.secrets) })
	}
}

func testReportedFailureScrubsSecrets(t *testing.T, layout job.SecretLayout, secrets int) {
	e := newEnv(t)
	q := e.queued(t, t0, func(j *job.Job) { j.SecretsHeld, j.HasRuntimeToken, j.SecretLayout = true, true, layout })
	require.NoError(t, e.secrets.Store.Put(context.Background(), q, custody.RuntimeToken, "runtime-canary-9b1c", q.Deadline))
	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
	bundle := e.tokens(t, "service:disp1", q.ID, c.Lock.Epoch) // mints the workflow token
	require.Equal(t, "runtime-canary-9b1c", bundle.RuntimeToken)
	require.NotEmpty(t, bundle.WorkflowToken)
	require.Len(t, e.secrets.Held(t, q.ID.String()), secrets)

	status, raw := e.call(t, "service:disp1", http.MethodPost, "/jobs/"+q.ID.String()+"/state", map[string]any{"epoch": c.Lock.Epoch, "state": "FAILED", "message": "oom"})
	require.Equal(t, http.StatusOK, status, string(raw))
	require.Empty(t, e.secrets.Held(t, q.ID.String()))
	stored, err := e.store.Get(context.Background(), q.ID)
	require.NoError(t, err)
	require.False(t, stored.SecretsHeld)
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	require.Equal(t, http.StatusGone, status, string(raw))
}
