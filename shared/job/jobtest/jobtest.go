// Package jobtest is the conformance suite of job.Store: every adapter runs
// Run against its backend (an emulator in tests) so they all honour the
// same contract, the claim race included. It has no cloud imports.
package jobtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
