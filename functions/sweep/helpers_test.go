package sweep_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"

	valetfs "valet.dev/valet/shared/firestore"
)

const (
	bucket        = "valet-jobs-test"
	objectsBucket = "valet-objects-test"
)

// deletion is one call of the recording deleter.
type deletion struct {
	Bucket, Object string
	Generation     int64
}

// recorder is a gcs.Deleter that records its calls and fails for the
// objects in fail.
type recorder struct {
	mu    sync.Mutex
	calls []deletion
	fail  map[string]error
}

func (r *recorder) Delete(ctx context.Context, bucket, object string, generation int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, deletion{bucket, object, generation})
	return r.fail[object]
}

func (r *recorder) deleted() []deletion {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]deletion(nil), r.calls...)
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// env is the function served over the package's emulator project (emptied
// first), with its stores, a recording deleter for bytes and Secret
// Manager's emulator.
type env struct {
	client  *firestore.Client
	store   *valetfs.JobStore
	shared  *valetfs.ObjectStore
	proj    *valetfs.ProjectStore
	secrets *custodytest.Env
	objects *recorder
	now     time.Time
	srv     *apitest.Server
}

// newEnv serves the function sweeping at most batch jobs a run (its
// default when 0), for principals named in apitest.PrincipalHeader.
func newEnv(t *testing.T, batch int) *env {
	t.Helper()
	return newEnvWith(t, func(_ *env, o *sweep.Options) { o.BatchSize = batch })
}

// newEnvWith is newEnv with the function's options changed by set before
// it is built (e has its stores, not its server yet).
func newEnvWith(t *testing.T, set func(e *env, o *sweep.Options)) *env {
	t.Helper()
	client := firestoretest.New(t)
	firestoretest.Reset(t, firestoretest.ProjectID(t))
	e := &env{client: client, store: valetfs.NewJobStore(client), shared: valetfs.NewObjectStore(client), proj: valetfs.NewProjectStore(client),
		secrets: custodytest.New(t), objects: &recorder{fail: map[string]error{}}, now: t0}
	opts := sweep.Options{
		Store: e.store, Objects: e.objects, Secrets: e.secrets.Store, Bucket: bucket, Authenticate: apitest.Authenticate,
		ObjectStore: e.shared, ObjectsBucket: objectsBucket, Projects: e.proj,
		Now: func() time.Time { return e.now },
	}
	set(e, &opts)
	e.srv = apitest.Serve(t, sweep.New(opts))
	return e
}

// create stores a job built by mutating a fresh AWAITING_WORKSPACE one.
func (e *env) create(t *testing.T, mutate func(*job.Job)) *job.Job {
	t.Helper()
	j := &job.Job{
		ID: ids.JobID(ids.NewJobID()), Owner: "u1", Spec: map[string]any{"image": "alpine"}, SpecHash: "h",
		State: job.AwaitingWorkspace, MaxAttempts: job.DefaultMaxAttempts, TimeoutSeconds: 3600,
		Workspace: job.Artifact{SizeBytes: 10}, CreatedAt: t0.Add(-2 * time.Hour), UpdatedAt: t0.Add(-2 * time.Hour),
		UploadDeadline: t0.Add(time.Hour), EventSeq: 1,
	}
	mutate(j)
	require.NoError(t, e.store.Create(context.Background(), j, job.Event{Seq: 1, Time: j.CreatedAt, Type: job.EventCreated, Message: "created"}))
	return j
}

// leased mutates a job into LOCKED at epoch 1 with the given lease end
// and deadline, at the given attempt.
func leased(attempt int, leaseEnd, deadline time.Time) func(*job.Job) {
	return func(j *job.Job) {
		j.State, j.Attempt, j.Deadline = job.Locked, attempt, deadline
		j.Workspace.Present, j.Workspace.Generation = true, 1
		j.Lock = job.Lock{Epoch: int64(attempt), Worker: "w1", Holder: "disp1", LeaseExpiresAt: leaseEnd}
	}
}

// run posts to path as who ("" for no credential).
func (e *env) run(t *testing.T, who, path string) apitest.Response {
	t.Helper()
	return apitest.DoAs(t, e.srv.URL, who, http.MethodPost, path, nil)
}

// sweep runs a sweep as the scheduler and returns its result.
func (e *env) sweep(t *testing.T) sweep.Result {
	t.Helper()
	var res sweep.Result
	e.run(t, "service:scheduler", "/sweep").Decode(t, http.StatusOK, &res)
	return res
}

func (e *env) get(t *testing.T, id string) *job.Job {
	t.Helper()
	j, err := e.store.Get(context.Background(), ids.JobID(id))
	require.NoError(t, err)
	return j
}
