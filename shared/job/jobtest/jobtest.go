// Package jobtest is the conformance suite of job.Store: every adapter runs
// Run against its backend (an emulator in tests) so they all honour the
// same contract, the claim race included. It has no cloud imports.
package jobtest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/storetest"
)

// Run runs the conformance suite. newStore is called once per subtest and
// must return a store with no jobs (reset the backend or use a fresh
// namespace); subtests do not run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) job.Store) {
	storetest.Run(t, newStore,
		testCreateAndGet, testCreateDuplicateIsConflict,
		testUpdateWritesJobAndEvents, testUpdateDuplicateWritesNothing, testUpdateErrorLeavesJobUnchanged,
		testClaimNextEmpty, testClaimNext, testList, testListInvalid,
		testDue, testReusable, testClaimRace,
	)
}

// NewJob returns a job awaiting its workspace, created at created, and its
// CREATED event.
func NewJob(owner ids.UserID, project ids.ProjectID, created time.Time) (*job.Job, job.Event) {
	j := &job.Job{
		ID:             ids.NewJobID(),
		Owner:          owner,
		Project:        project,
		Spec:           map[string]any{"image": "alpine", "args": []any{"echo", "hi"}},
		SpecHash:       "sha256:abc",
		Labels:         map[string]string{"team": "x"},
		State:          job.AwaitingWorkspace,
		MaxAttempts:    job.DefaultMaxAttempts,
		TimeoutSeconds: int64(time.Hour / time.Second),
		RuntimeUser:    "runtime@example.com",
		RuntimeScopes:  []string{"read"},
		Workspace:      job.Artifact{SizeBytes: 10, ContentType: "application/gzip"},
		SecretLayout:   job.SecretsPerJob,
		CreatedAt:      created,
		UpdatedAt:      created,
		UploadDeadline: created.Add(job.UploadWindow),
		EventSeq:       1,
	}
	return j, job.Event{Seq: 1, Time: created, Type: job.EventCreated, Message: "created by " + string(owner)}
}

// Create stores a new job (see NewJob), optionally queued at queued.
func create(t *testing.T, s job.Store, owner ids.UserID, project ids.ProjectID, created time.Time, queued bool) *job.Job {
	t.Helper()
	j, first := NewJob(owner, project, created)
	require.NoError(t, s.Create(storetest.Context(t), j, first))
	if queued {
		return queue(t, s, j.ID, created.Add(time.Second))
	}
	return j
}

func queue(t *testing.T, s job.Store, id ids.JobID, now time.Time) *job.Job {
	t.Helper()
	j, err := s.Update(storetest.Context(t), id, func(j *job.Job) ([]job.Event, error) {
		ev, rejected, err := j.WorkspaceArrived(job.Arrival{Generation: 1, SizeBytes: 10}, now)
		if rejected {
			return nil, fmt.Errorf("workspace rejected")
		}
		return ev, err
	})
	require.NoError(t, err)
	require.Equal(t, job.Queued, j.State)
	return j
}

func allEvents(t *testing.T, s job.Store, id ids.JobID, pageSize int) []job.Event {
	t.Helper()
	var all []job.Event
	token := ""
	for range 1000 {
		page, next, err := s.Events(storetest.Context(t), id, pageSize, token)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), pageSize)
		all = append(all, page...)
		if next == "" {
			return all
		}
		token = next
	}
	t.Fatal("Events never ended")
	return nil
}

func testCreateAndGet(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	j, first := NewJob("alice", "p1", storetest.T0)
	require.NoError(t, s.Create(ctx, j, first))

	got, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	require.Equal(t, j.ID, got.ID)
	require.Equal(t, ids.UserID("alice"), got.Owner)
	require.Equal(t, ids.ProjectID("p1"), got.Project)
	require.Equal(t, job.AwaitingWorkspace, got.State)
	require.Equal(t, j.Spec, got.Spec)
	require.Equal(t, j.Labels, got.Labels)
	require.Equal(t, j.RuntimeScopes, got.RuntimeScopes)
	require.Equal(t, j.Workspace, got.Workspace)
	require.True(t, storetest.T0.Equal(got.CreatedAt), "createdAt %v", got.CreatedAt)
	require.True(t, j.UploadDeadline.Equal(got.UploadDeadline))
	require.EqualValues(t, 1, got.EventSeq)

	events := allEvents(t, s, j.ID, 10)
	require.Len(t, events, 1)
	require.Equal(t, job.EventCreated, events[0].Type)
	require.EqualValues(t, 1, events[0].Seq)

	_, err = s.Get(ctx, "j_missing")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "err=%v", err)
	_, _, err = s.Events(ctx, "j_missing", 10, "")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "err=%v", err)
}

func testCreateDuplicateIsConflict(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	j, first := NewJob("alice", "", storetest.T0)
	require.NoError(t, s.Create(ctx, j, first))
	again := *j
	again.Owner = "mallory"
	err := s.Create(ctx, &again, first)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "err=%v", err)
	got, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	require.Equal(t, ids.UserID("alice"), got.Owner)
	require.Len(t, allEvents(t, s, j.ID, 10), 1)
}

func testUpdateWritesJobAndEvents(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	j := create(t, s, "alice", "", storetest.T0, true)
	require.EqualValues(t, 2, j.EventSeq)

	now := storetest.T0.Add(time.Minute)
	j, err := s.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Claim("disp", "w1", time.Minute, now)
		return []job.Event{ev}, err
	})
	require.NoError(t, err)
	require.Equal(t, job.Locked, j.State)
	// Several events in one update, then a run of heartbeats and reports.
	j, err = s.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Report("disp", 1, job.Running, "started", now)
		if err != nil {
			return nil, err
		}
		evs, _, err := j.ArtifactArrived(job.OutputKind, job.Arrival{Generation: 7, SizeBytes: 3, Epoch: j.Lock.Epoch}, now)
		return append([]job.Event{ev}, evs...), err
	})
	require.NoError(t, err)
	require.Equal(t, job.Succeeded, j.State)

	got, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	require.Equal(t, job.Succeeded, got.State)
	require.EqualValues(t, 1, got.Lock.Epoch)
	require.Equal(t, "disp", got.Lock.Holder)
	require.True(t, got.Output.Present)
	require.EqualValues(t, 7, got.Output.Generation)
	require.True(t, now.Equal(got.FinishedAt))

	want := []string{job.EventCreated, job.EventQueued, job.EventLocked, job.EventRunning, job.EventOutput, job.EventSucceeded}
	require.EqualValues(t, len(want), got.EventSeq)
	for _, size := range []int{1, 2, 4, 100} {
		events := allEvents(t, s, j.ID, size)
		require.Len(t, events, len(want), "page size %d", size)
		for i, e := range events {
			require.EqualValues(t, i+1, e.Seq, "page size %d", size)
			require.Equal(t, want[i], e.Type, "page size %d", size)
		}
	}
	require.EqualValues(t, 1, allEvents(t, s, j.ID, 10)[2].Epoch)

	_, _, err = s.Events(ctx, j.ID, 10, "not a token!")
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "err=%v", err)
	_, _, err = s.Events(ctx, j.ID, 101, "")
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "err=%v", err)
	page, _, err := s.Events(ctx, j.ID, 0, "")
	require.NoError(t, err)
	require.Len(t, page, len(want), "page size 0 means the default")
}

func testUpdateDuplicateWritesNothing(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	j := create(t, s, "alice", "", storetest.T0, false)
	cancel := func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Cancel("alice", storetest.T0.Add(time.Minute))
		return []job.Event{ev}, err
	}
	got, err := s.Update(ctx, j.ID, cancel)
	require.NoError(t, err)
	require.Equal(t, job.Cancelled, got.State)
	before := len(allEvents(t, s, j.ID, 10))

	got, err = s.Update(ctx, j.ID, cancel)
	require.ErrorIs(t, err, job.ErrDuplicate)
	require.NotNil(t, got)
	require.Equal(t, job.Cancelled, got.State)

	// A duplicate writes nothing, even what fn changed before answering.
	got, err = s.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
		j.Message = "scribbled"
		return nil, job.ErrDuplicate
	})
	require.ErrorIs(t, err, job.ErrDuplicate)
	require.NotNil(t, got)
	stored, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	require.Empty(t, stored.Message)
	require.Len(t, allEvents(t, s, j.ID, 10), before)
}

func testUpdateErrorLeavesJobUnchanged(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	j := create(t, s, "alice", "", storetest.T0, false)

	// A transition whose precondition fails: Claim of a job not queued.
	got, err := s.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
		j.Message = "scribbled"
		ev, err := j.Claim("disp", "w", time.Minute, storetest.T0)
		return []job.Event{ev}, err
	})
	require.Nil(t, got)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "err=%v", err)

	// Any other error comes back unchanged.
	boom := errors.New("boom")
	got, err = s.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
		j.State = job.Failed
		return nil, boom
	})
	require.Nil(t, got)
	require.Same(t, boom, err)

	stored, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	require.Equal(t, job.AwaitingWorkspace, stored.State)
	require.Empty(t, stored.Message)
	require.EqualValues(t, 1, stored.EventSeq)
	require.Len(t, allEvents(t, s, j.ID, 10), 1)

	_, err = s.Update(ctx, "j_missing", func(j *job.Job) ([]job.Event, error) {
		t.Error("fn ran for a missing job")
		return nil, nil
	})
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "err=%v", err)
	require.Contains(t, err.Error(), "job j_missing not found")
}
