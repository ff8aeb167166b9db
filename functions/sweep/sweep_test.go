package sweep_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
)

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

	e.run(t, "", "/sweep").RequireError(t, http.StatusUnauthorized, apperr.Unauthenticated, "")
	e.run(t, "user:u1", "/sweep").RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	require.Equal(t, job.AwaitingWorkspace, e.get(t, stale.ID.String()).State, "refused runs change nothing")

	// POST / is the same run (Cloud Scheduler calls the function's URL).
	r := e.run(t, "service:scheduler", "/")
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, job.Expired, e.get(t, stale.ID.String()).State)

	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/sweep", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
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
