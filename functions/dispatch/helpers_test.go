package dispatch_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/dispatch"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/signer"
	"valet.dev/valet/shared/signer/signertest"
	"valet.dev/valet/shared/testenv"

	valetfs "valet.dev/valet/shared/firestore"
)

const bucket = "valet-jobs-test"

type env struct {
	store   *valetfs.JobStore
	signer  *signer.Signer
	secrets *custodytest.Env
	keys    *secretmanager.SigningKeys
	clock   *testenv.Clock
	srv     *httptest.Server
}

// tokenIssuer is the iss of the test's workflow and job tokens.
const tokenIssuer = "https://valet.test"

// t0 is the tests' start time: now, so that secrets expiring at a job's
// deadline are in the future for Secret Manager too.
var t0 = time.Now().UTC().Truncate(time.Second)

// newEnv empties the package's emulator project (ClaimNext sees every
// queued job of it, so these tests do not run in parallel) and serves the
// function.
func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv serving the function on wrap(store) when wrap is
// set: a test seam that lets a test act between the handler's reads and
// writes.
func newEnvWith(t testing.TB, wrap func(job.Store) job.Store) *env {
	t.Helper()
	return newEnvFrom(t, envOptions{wrap: wrap})
}

// envOptions are the test seams of newEnvFrom; each is optional.
type envOptions struct {
	// wrap wraps the function's job store.
	wrap func(job.Store) job.Store
	// sign signs the URLs (as signBlob does when deployed) instead of
	// the test key.
	sign func([]byte) ([]byte, error)
	// secrets wraps the function's secret store.
	secrets func(custody.Store) custody.Store
	// audit keeps the audit entries' copies; none when nil.
	audit audit.Store
}

// newEnvFrom is newEnv with the seams of o.
func newEnvFrom(t testing.TB, o envOptions) *env {
	t.Helper()
	apitest.Bench(t)
	client := firestoretest.New(t)
	firestoretest.Reset(t, firestoretest.ProjectID(t))
	c := testenv.NewClock(t0)
	opts := signer.Options{Hostname: "127.0.0.1:4443", Insecure: true, Now: c.Now}
	var sg *signer.Signer
	if o.sign == nil {
		sg = signertest.NewWith(t, opts)
	} else {
		opts.GoogleAccessID, opts.SignBytes = signertest.GoogleAccessID, o.sign
		var err error
		sg, err = signer.New(opts)
		require.NoError(t, err)
	}
	e := &env{store: valetfs.NewJobStore(client), signer: sg, secrets: custodytest.New(t), clock: c}
	e.keys = secretmanager.NewSigningKeys(e.secrets.Client, custodytest.Project, "")
	_, err := e.keys.Rotate(context.Background())
	require.NoError(t, err)
	var store job.Store = e.store
	if o.wrap != nil {
		store = o.wrap(e.store)
	}
	var secrets custody.Store = e.secrets.Store
	if o.secrets != nil {
		secrets = o.secrets(secrets)
	}
	e.srv = httptest.NewServer(dispatch.New(dispatch.Options{
		Store: store, Signer: sg, Bucket: bucket, Secrets: secrets,
		Workflow:     e.workflowMinter(),
		JobTokens:    jobtoken.NewIssuer(e.keys, tokenIssuer, c.Now),
		Authenticate: apitest.Authenticate, Now: c.Now, Audit: audit.New(audit.Options{Out: apitest.TestLog(t), Store: o.audit}),
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// workflowMinter mints the env's workflow tokens.
func (e *env) workflowMinter() *jobtoken.WorkflowMinter {
	return jobtoken.NewWorkflowMinter(e.keys, jobtoken.WorkflowOptions{Issuer: tokenIssuer, Audience: "copy-offload", Now: e.clock.Now})
}

// queued stores a queued job, as finalize leaves it, last updated at
// updated.
func (e *env) queued(t testing.TB, updated time.Time, mutate ...func(*job.Job)) *job.Job {
	t.Helper()
	j := &job.Job{
		ID: ids.NewJobID(), Owner: "u1", RuntimeUser: "u1", RuntimeScopes: []string{"all"},
		Spec: map[string]any{"image": "alpine"}, SpecHash: "h",
		State: job.Queued, Attempt: 1, MaxAttempts: job.DefaultMaxAttempts, TimeoutSeconds: 3600,
		Workspace: job.Artifact{SizeBytes: 10, Present: true, Generation: 1},
		CreatedAt: updated, UpdatedAt: updated, UploadDeadline: updated.Add(job.UploadWindow),
		Deadline: updated.Add(time.Hour), EventSeq: 1, SecretLayout: job.SecretsPerJob,
	}
	for _, m := range mutate {
		m(j)
	}
	require.NoError(t, e.store.Create(context.Background(), j, job.Event{Seq: 1, Time: updated, Type: job.EventQueued, Message: "queued"}))
	return j
}

// call sends a request as who ("" for no credential) and returns the
// status and the body.
func (e *env) call(t testing.TB, who, method, path string, body any) (int, []byte) {
	t.Helper()
	r := apitest.DoAs(t, e.srv.URL, who, method, path, body)
	return r.Status, r.Body
}

// requireError checks an answer (status, body) is an ErrorBody with
// wantStatus and wantCode (any code when "").
func requireError(t testing.TB, wantStatus int, wantCode apperr.Code, status int, body []byte) {
	t.Helper()
	apitest.Response{Status: status, Body: body}.RequireError(t, wantStatus, wantCode, "")
}

type claimed struct {
	Job  job.Job `json:"job"`
	Lock struct {
		Epoch          int64     `json:"epoch"`
		LeaseExpiresAt time.Time `json:"leaseExpiresAt"`
	} `json:"lock"`
}

// claimedJob queues a job at t0 that dispatcher disp1 then claims as worker
// w1: the job and the claim.
func (e *env) claimedJob(t testing.TB) (*job.Job, claimed) {
	t.Helper()
	q := e.queued(t, t0)
	return q, e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
}

func (e *env) claim(t testing.TB, who string, body any) claimed {
	t.Helper()
	status, raw := e.call(t, who, http.MethodPost, "/claim", body)
	require.Equal(t, http.StatusOK, status, string(raw))
	var c claimed
	require.NoError(t, json.Unmarshal(raw, &c))
	return c
}

func decode[T any](t testing.TB, raw []byte) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(raw, &v), string(raw))
	return v
}
