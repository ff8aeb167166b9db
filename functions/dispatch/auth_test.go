package dispatch_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/dispatch"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer"
)

type bundle struct {
	Workspace struct {
		URL       string    `json:"url"`
		ExpiresAt time.Time `json:"expiresAt"`
	} `json:"workspace"`
	Output      signedPut `json:"output"`
	Attestation signedPut `json:"attestation"`
}

type signedPut struct {
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

func authPath(id ids.JobID, epoch int64) string {
	return fmt.Sprintf("/jobs/%s/auth?epoch=%d", id, epoch)
}

// auth reads the auth bundle of job id at epoch as disp1, its holder, and
// returns the answer's body (200 required).
func (e *env) auth(t testing.TB, id ids.JobID, epoch int64) []byte {
	t.Helper()
	status, raw := e.call(t, "service:disp1", http.MethodGet, authPath(id, epoch), nil)
	require.Equal(t, http.StatusOK, status, string(raw))
	return raw
}

func TestAuthBundleForTheHolder(t *testing.T) {
	e := newEnv(t)
	q := e.queued(t, t0.Add(-time.Minute)) // deadline t0+59m
	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})

	b := decode[bundle](t, e.auth(t, q.ID, c.Lock.Epoch))
	deadline := q.Deadline

	// Each URL binds its object: path-style /bucket/object.
	for name, tc := range map[string]struct {
		raw, object string
	}{
		"workspace":   {b.Workspace.URL, job.WorkspaceName(q.ID, 0)},
		"output":      {b.Output.URL, job.ArtifactName(q.ID, job.OutputKind, c.Lock.Epoch)},
		"attestation": {b.Attestation.URL, job.ArtifactName(q.ID, job.AttestationKind, c.Lock.Epoch)},
	} {
		u, err := url.Parse(tc.raw)
		require.NoError(t, err, name)
		require.Equal(t, "/"+bucket+"/"+tc.object, u.Path, name)
		require.Equal(t, "127.0.0.1:4443", u.Host, name)
		require.Equal(t, "3540", u.Query().Get("X-Goog-Expires"), "%s expires at the deadline", name)
		require.NotEmpty(t, u.Query().Get("X-Goog-Signature"), name)
	}
	require.True(t, deadline.Equal(b.Workspace.ExpiresAt))
	require.True(t, deadline.Equal(b.Output.ExpiresAt))
	require.True(t, deadline.Equal(b.Attestation.ExpiresAt))

	// Output and attestation are PUTs bound to content type and size range
	// that can create their object but never replace it.
	require.Equal(t, map[string]string{"Content-Type": "application/x-tar", "x-goog-content-length-range": "0,5368709120", "x-goog-if-generation-match": "0"}, b.Output.Headers)
	require.Equal(t, map[string]string{"Content-Type": "application/json", "x-goog-content-length-range": "0,1048576", "x-goog-if-generation-match": "0"}, b.Attestation.Headers)
	for _, raw := range []string{b.Output.URL, b.Attestation.URL} {
		u, _ := url.Parse(raw)
		require.Equal(t, "content-type;host;x-goog-content-length-range;x-goog-if-generation-match", u.Query().Get("X-Goog-SignedHeaders"))
	}
	wsURL, _ := url.Parse(b.Workspace.URL)
	require.Equal(t, "host", wsURL.Query().Get("X-Goog-SignedHeaders"), "the workspace GET needs no header")

	// The signatures bind the methods: the same signer at the same time
	// signs exactly these URLs for GET and PUT, and a GET of the output or
	// a PUT of the workspace would be a different signature.
	ttl := 3540 * time.Second
	wantWS, err := e.signer.Download(bucket, job.WorkspaceName(q.ID, 0), signer.DownloadOptions{TTL: ttl})
	require.NoError(t, err)
	require.Equal(t, wantWS.URL, b.Workspace.URL)
	require.Equal(t, http.MethodGet, wantWS.Method)
	wantOut, err := e.signer.Upload(bucket, job.ArtifactName(q.ID, job.OutputKind, c.Lock.Epoch), signer.UploadOptions{
		ContentType: dispatch.OutputContentType, MaxBytes: dispatch.MaxOutputBytes, TTL: ttl, CreateOnly: true})
	require.NoError(t, err)
	require.Equal(t, wantOut.URL, b.Output.URL)
	require.Equal(t, http.MethodPut, wantOut.Method)
	wantAtt, err := e.signer.Upload(bucket, job.ArtifactName(q.ID, job.AttestationKind, c.Lock.Epoch), signer.UploadOptions{
		ContentType: dispatch.AttestationContentType, MaxBytes: dispatch.MaxAttestationBytes, TTL: ttl, CreateOnly: true})
	require.NoError(t, err)
	require.Equal(t, wantAtt.URL, b.Attestation.URL)
	getOut, err := e.signer.Download(bucket, job.ArtifactName(q.ID, job.OutputKind, c.Lock.Epoch), signer.DownloadOptions{TTL: ttl})
	require.NoError(t, err)
	require.NotEqual(t, sig(t, getOut.URL), sig(t, b.Output.URL))

	// The bundle reached neither the job document nor its events.
	stored, err := e.store.Get(t.Context(), q.ID)
	require.NoError(t, err)
	events, _, err := e.store.Events(t.Context(), q.ID, 100, "")
	require.NoError(t, err)
	for _, ev := range events {
		require.NotContains(t, ev.Message, sig(t, b.Output.URL))
	}
	require.Equal(t, job.Locked, stored.State)
}

func sig(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query().Get("X-Goog-Signature")
}

func TestAuthURLLifetimeIsClamped(t *testing.T) {
	e := newEnv(t)
	q := e.queued(t, t0, func(j *job.Job) { j.Deadline = t0.Add(30 * 24 * time.Hour) })
	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
	b := decode[bundle](t, e.auth(t, q.ID, c.Lock.Epoch))
	require.True(t, t0.Add(signer.MaxTTL).Equal(b.Output.ExpiresAt), "at most 7 days")

	q2 := e.queued(t, t0, func(j *job.Job) { j.Deadline = t0.Add(1500 * time.Millisecond) })
	c = e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
	require.Equal(t, q2.ID, c.Job.ID)
	e.clock.Advance(time.Second) // 0.5 s left
	b = decode[bundle](t, e.auth(t, q2.ID, c.Lock.Epoch))
	require.True(t, e.clock.Now().Add(time.Second).Equal(b.Workspace.ExpiresAt), "at least 1 s")
}

func TestAuthOnlyForTheCurrentHolder(t *testing.T) {
	e := newEnv(t)
	q, c := e.claimedJob(t)

	status, raw := e.call(t, "service:disp2", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	requireError(t, http.StatusConflict, apperr.Conflict, status, raw)
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, 2), nil)
	requireError(t, http.StatusConflict, apperr.Conflict, status, raw)

	// Handing the job back and a second claim make epoch 1 stale.
	status, raw = e.call(t, "service:disp1", http.MethodPost, "/jobs/"+q.ID.String()+"/state", map[string]any{"epoch": 1, "state": "QUEUED"})
	require.Equal(t, http.StatusOK, status, string(raw))
	c2 := e.claim(t, "service:disp1", map[string]any{"worker": "w2"})
	require.EqualValues(t, 2, c2.Lock.Epoch)
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, 1), nil)
	requireError(t, http.StatusConflict, apperr.Conflict, status, raw)
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, 2), nil)
	require.Equal(t, http.StatusOK, status, string(raw))

	// A lapsed lease is refused too.
	e.clock.Advance(job.DefaultLease)
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, 2), nil)
	requireError(t, http.StatusConflict, apperr.Conflict, status, raw)
}

func TestAuthGoneAfterFinal(t *testing.T) {
	e := newEnv(t)
	q, c := e.claimedJob(t)
	status, raw := e.call(t, "service:disp1", http.MethodPost, "/jobs/"+q.ID.String()+"/state", map[string]any{"epoch": c.Lock.Epoch, "state": "FAILED", "message": "boom"})
	require.Equal(t, http.StatusOK, status, string(raw))
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	requireError(t, http.StatusGone, apperr.Gone, status, raw)
}

func TestAuthBadInput(t *testing.T) {
	e := newEnv(t)
	q, _ := e.claimedJob(t)
	for path, want := range map[string]int{
		"/jobs/" + q.ID.String() + "/auth":                  http.StatusBadRequest,
		"/jobs/" + q.ID.String() + "/auth?epoch=x":          http.StatusBadRequest,
		"/jobs/" + q.ID.String() + "/auth?epoch=0":          http.StatusBadRequest,
		"/jobs/" + q.ID.String() + "/auth?epoch=-1":         http.StatusBadRequest,
		"/jobs/not-a-job/auth?epoch=1":                      http.StatusBadRequest,
		"/jobs/" + string(ids.NewJobID()) + "/auth?epoch=1": http.StatusNotFound,
	} {
		t.Run(path, func(t *testing.T) {
			status, raw := e.call(t, "service:disp1", http.MethodGet, path, nil)
			requireError(t, want, "", status, raw)
		})
	}
	status, raw := e.call(t, "user:u1", http.MethodGet, authPath(q.ID, 1), nil)
	requireError(t, http.StatusForbidden, apperr.PermissionDenied, status, raw)
	status, raw = e.call(t, "", http.MethodGet, authPath(q.ID, 1), nil)
	requireError(t, http.StatusUnauthorized, apperr.Unauthenticated, status, raw)
}
