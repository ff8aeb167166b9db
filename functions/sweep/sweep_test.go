package sweep_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"

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

type env struct {
	store   *valetfs.JobStore
	shared  *valetfs.ObjectStore
	proj    *valetfs.ProjectStore
	secrets *custodytest.Env
	objects *recorder
	now     time.Time
	srv     *httptest.Server
}

func newEnv(t *testing.T, batch int) *env {
	t.Helper()
	client := firestoretest.New(t)
	firestoretest.Reset(t, firestoretest.ProjectID(t))
	e := &env{store: valetfs.NewJobStore(client), shared: valetfs.NewObjectStore(client), proj: valetfs.NewProjectStore(client), secrets: custodytest.New(t), objects: &recorder{fail: map[string]error{}}, now: t0}
	e.srv = httptest.NewServer(sweep.New(sweep.Options{
		Store: e.store, Objects: e.objects, Secrets: e.secrets.Store, Bucket: bucket, Authenticate: apitest.Authenticate,
		ObjectStore: e.shared, ObjectsBucket: objectsBucket, Projects: e.proj,
		Now: func() time.Time { return e.now }, BatchSize: batch,
	}))
	t.Cleanup(e.srv.Close)
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

func (e *env) run(t *testing.T, who, path string) (int, []byte) {
	t.Helper()
	r := apitest.DoAs(t, e.srv.URL, who, http.MethodPost, path, nil)
	return r.Status, r.Body
}

func (e *env) sweep(t *testing.T) sweep.Result {
	t.Helper()
	status, raw := e.run(t, "service:scheduler", "/sweep")
	require.Equal(t, http.StatusOK, status, string(raw))
	var res sweep.Result
	require.NoError(t, json.Unmarshal(raw, &res))
	return res
}

func (e *env) get(t *testing.T, id string) *job.Job {
	t.Helper()
	j, err := e.store.Get(context.Background(), ids.JobID(id))
	require.NoError(t, err)
	return j
}

func TestSweepAppliesEachTimerOnce(t *testing.T) {
	e := newEnv(t, 0)
	stale := e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-time.Minute) })
	waiting := e.create(t, func(j *job.Job) {})
	lapsed := e.create(t, leased(1, t0.Add(-time.Second), t0.Add(time.Hour)))
	lastTry := e.create(t, leased(job.DefaultMaxAttempts, t0, t0.Add(time.Hour))) // lease ends exactly now
	late := e.create(t, func(j *job.Job) {
		leased(1, t0.Add(time.Minute), t0.Add(-time.Second))(j)
		j.State = job.Running
	})
	live := e.create(t, leased(1, t0.Add(time.Minute), t0.Add(time.Hour)))
	queuedLate := e.create(t, func(j *job.Job) {
		j.State, j.Attempt, j.Deadline = job.Queued, 1, t0.Add(-time.Minute)
		j.Workspace.Present = true
	})

	res := e.sweep(t)
	require.Equal(t, sweep.Result{Expired: 1, Requeued: 1, Failed: 3, Examined: 5}, res)

	require.Equal(t, job.Expired, e.get(t, stale.ID.String()).State)
	require.Equal(t, []deletion{{bucket, job.WorkspaceName(stale.ID, 0), 0}}, e.objects.deleted(),
		"the expired job's workspace, any generation")

	j := e.get(t, lapsed.ID.String())
	require.Equal(t, job.Queued, j.State)
	require.Equal(t, 2, j.Attempt)
	require.Empty(t, j.Lock.Holder)
	require.EqualValues(t, 1, j.Lock.Epoch, "the next claim moves to epoch 2")

	j = e.get(t, lastTry.ID.String())
	require.Equal(t, job.Failed, j.State, "no attempts left")
	require.Equal(t, job.DefaultMaxAttempts, j.Attempt)

	j = e.get(t, late.ID.String())
	require.Equal(t, job.Failed, j.State)
	require.Equal(t, "deadline passed", j.Message)
	require.Equal(t, job.Failed, e.get(t, queuedLate.ID.String()).State)

	require.Equal(t, job.AwaitingWorkspace, e.get(t, waiting.ID.String()).State)
	require.Equal(t, job.Locked, e.get(t, live.ID.String()).State)

	// A second run right after finds nothing to do.
	require.Equal(t, sweep.Result{}, e.sweep(t))
	require.Len(t, e.objects.deleted(), 1)

	events, _, err := e.store.Events(context.Background(), lapsed.ID, 100, "")
	require.NoError(t, err)
	require.Equal(t, job.EventRequeued, events[len(events)-1].Type)
}

func TestSweepIsBounded(t *testing.T) {
	e := newEnv(t, 2)
	for range 5 {
		e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-time.Minute) })
	}
	require.Equal(t, sweep.Result{Expired: 2, Examined: 2}, e.sweep(t))
	require.Equal(t, sweep.Result{Expired: 2, Examined: 2}, e.sweep(t))
	require.Equal(t, sweep.Result{Expired: 1, Examined: 1}, e.sweep(t))
	require.Equal(t, sweep.Result{}, e.sweep(t))
	require.Len(t, e.objects.deleted(), 5)
}

func TestSweepCountsDeleteFailuresAndGoesOn(t *testing.T) {
	e := newEnv(t, 0)
	bad := e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-2 * time.Minute) })
	gone := e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-time.Minute) })
	good := e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-time.Second) })
	e.objects.fail[job.WorkspaceName(bad.ID, 0)] = apperr.E(apperr.Unavailable, "storage down")
	e.objects.fail[job.WorkspaceName(gone.ID, 0)] = apperr.E(apperr.NotFound, "no such object")

	require.Equal(t, sweep.Result{Expired: 3, Examined: 3, Errors: 1}, e.sweep(t))
	for _, j := range []*job.Job{bad, gone, good} {
		require.Equal(t, job.Expired, e.get(t, j.ID.String()).State)
	}
	require.Len(t, e.objects.deleted(), 3)
}

func TestSweepNeedsTheScheduler(t *testing.T) {
	e := newEnv(t, 0)
	stale := e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-time.Minute) })

	status, raw := e.run(t, "", "/sweep")
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, apperr.Unauthenticated, errorCode(t, raw))
	status, raw = e.run(t, "user:u1", "/sweep")
	require.Equal(t, http.StatusForbidden, status)
	require.Equal(t, apperr.PermissionDenied, errorCode(t, raw))
	require.Equal(t, job.AwaitingWorkspace, e.get(t, stale.ID.String()).State, "refused runs change nothing")

	// POST / is the same run (Cloud Scheduler calls the function's URL).
	status, raw = e.run(t, "service:scheduler", "/")
	require.Equal(t, http.StatusOK, status, string(raw))
	require.Equal(t, job.Expired, e.get(t, stale.ID.String()).State)

	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/sweep", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func errorCode(t *testing.T, raw []byte) apperr.Code {
	t.Helper()
	var eb httpapi.ErrorBody
	require.NoError(t, json.Unmarshal(raw, &eb), string(raw))
	require.NotEmpty(t, eb.Error.Message)
	return eb.Error.Code
}

// TestSweepScrubsFinalJobsSecrets: a job the sweep fails has its secrets
// destroyed in the same run; a final job whose earlier scrub failed is
// scrubbed by the next run; afterwards Secret Manager holds nothing of
// either.
func TestSweepScrubsFinalJobsSecrets(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	// One job of each secret layout: the per-job secret of a job
	// submitted with a runtime token, and the two per-kind secrets of a
	// job created before that layout.
	late := e.create(t, func(j *job.Job) {
		leased(1, t0.Add(time.Minute), t0.Add(-time.Second))(j)
		j.SecretsHeld, j.SecretLayout, j.HasRuntimeToken = true, job.SecretsPerJob, true
	})
	leftover := e.create(t, func(j *job.Job) {
		j.State, j.FinishedAt, j.SecretsHeld = job.Cancelled, t0.Add(-time.Hour), true
	})
	for j, secrets := range map[*job.Job]int{late: 1, leftover: 2} {
		require.NoError(t, e.secrets.Store.Put(ctx, j, custody.RuntimeToken, "runtime-"+j.ID.String(), time.Now().Add(48*time.Hour)))
		require.NoError(t, e.secrets.Store.Put(ctx, j, custody.WorkflowToken, "workflow-"+j.ID.String(), time.Now().Add(48*time.Hour)))
		require.Len(t, e.secrets.Held(t, j.ID.String()), secrets)
	}

	require.Equal(t, sweep.Result{Failed: 1, Scrubbed: 2, Examined: 2}, e.sweep(t))
	for _, j := range []*job.Job{late, leftover} {
		require.Empty(t, e.secrets.Held(t, j.ID.String()), "Secret Manager holds nothing of %s", j.ID)
		stored := e.get(t, j.ID.String())
		require.False(t, stored.SecretsHeld)
		events, _, err := e.store.Events(ctx, j.ID, 100, "")
		require.NoError(t, err)
		require.Equal(t, job.EventScrubbed, events[len(events)-1].Type)
	}
	require.Equal(t, sweep.Result{}, e.sweep(t), "nothing left to scrub")
}

// TestSweepRetriesAFailedScrub: while Secret Manager is down the job stays
// on the list; the run after it is back scrubs it.
func TestSweepRetriesAFailedScrub(t *testing.T) {
	e := newEnv(t, 0)
	j := e.create(t, func(j *job.Job) { j.State, j.FinishedAt, j.SecretsHeld = job.Failed, t0.Add(-time.Hour), true })
	require.NoError(t, e.secrets.Store.Put(context.Background(), j, custody.WorkflowToken, "workflow-"+j.ID.String(), time.Now().Add(48*time.Hour)))

	e.secrets.Emulator.Server.FailNext(1)
	require.Equal(t, sweep.Result{Examined: 1, Errors: 1}, e.sweep(t))
	require.True(t, e.get(t, j.ID.String()).SecretsHeld)
	require.Equal(t, sweep.Result{Scrubbed: 1, Examined: 1}, e.sweep(t))
	require.Empty(t, e.secrets.Held(t, j.ID.String()))
}

// TestSweepExpiresPendingObjects: an object whose upload window ended
// without its bytes becomes REJECTED, its reservation is released and any
// late bytes at its key or upload key are deleted; one still in its window
// is left.
func TestSweepExpiresPendingObjects(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	space := "users/sweeper" + strings.ToLower(ids.NewJobID().String()[2:10])
	stale, err := object.New(ids.SpaceID(space), "late.bin", "application/octet-stream", 100, "", "sweeper", t0.Add(-2*time.Hour))
	require.NoError(t, err)
	fresh, err := object.New(ids.SpaceID(space), "fresh.bin", "application/octet-stream", 50, "", "sweeper", t0)
	require.NoError(t, err)
	for _, o := range []*object.Object{stale, fresh} {
		require.NoError(t, e.shared.Create(ctx, o, 1<<20))
	}

	require.Equal(t, sweep.Result{ExpiredObjects: 1}, e.sweep(t))
	got, err := e.shared.Get(ctx, stale.ID)
	require.NoError(t, err)
	require.Equal(t, object.Rejected, got.State)
	usage, err := e.shared.Usage(ctx, ids.SpaceID(space))
	require.NoError(t, err)
	require.Equal(t, object.Usage{ReservedBytes: 50, Objects: 1}, usage, "only the fresh object's reservation is left")
	require.Equal(t, []deletion{{objectsBucket, stale.Key, 0}, {objectsBucket, stale.UploadKey, 0}}, e.objects.deleted(),
		"late bytes at the upload key, or finalize's copy at the key")
	require.Equal(t, sweep.Result{}, e.sweep(t), "a second run does nothing")
}

// TestSweepFinishesProjectDeletes: a project whose delete began but did
// not finish loses its objects (every state, bytes first) and its records.
func TestSweepFinishesProjectDeletes(t *testing.T) {
	e := newEnv(t, 0)
	ctx := context.Background()
	pid := "gone-" + strings.ToLower(ids.NewJobID().String()[2:12])
	require.NoError(t, e.proj.Create(ctx, &project.Project{ID: ids.ProjectID(pid), DisplayName: "Gone"}, "owner1", t0))
	space := "projects/" + pid
	var keys []string
	for i, size := range []int64{10, 20} {
		o, err := object.New(ids.SpaceID(space), fmt.Sprintf("o%d", i), "text/plain", size, "", "owner1", time.Now())
		require.NoError(t, err)
		require.NoError(t, e.shared.Create(ctx, o, 1<<20))
		keys = append(keys, o.Key, o.UploadKey)
	}
	require.NoError(t, e.proj.BeginDelete(ctx, ids.ProjectID(pid), true))

	require.Equal(t, sweep.Result{DeletedProjects: 1}, e.sweep(t))
	left, err := e.shared.InSpace(ctx, ids.SpaceID(space), 10)
	require.NoError(t, err)
	require.Empty(t, left)
	_, err = e.proj.Get(ctx, ids.ProjectID(pid))
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	var want []deletion
	for _, k := range keys {
		want = append(want, deletion{objectsBucket, k, 0})
	}
	require.ElementsMatch(t, want, e.objects.deleted())
	require.Equal(t, sweep.Result{}, e.sweep(t))
}
