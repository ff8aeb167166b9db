package firestore_test

import (
	"context"
	"testing"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/job/jobtest"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/project/projecttest"
)

// Deleting a project deals with its jobs: no job joins it once the delete
// began, those not final are cancelled (keeping SecretsHeld for the sweep),
// final ones are left as they are, and nobody can ever own them by creating
// the project again.
func TestProjectDeleteCancelsJobsAndRetiresID(t *testing.T) {
	s, client := newProjectStore(t)
	jobs := valetfs.NewJobStore(client)
	ctx := context.Background()
	alice := projecttest.NewUserID("alice")
	pid := createProject(t, s, alice)

	newJob := func() *job.Job {
		j, first := jobtest.NewJob(alice, pid, projectNow)
		require.NoError(t, jobs.Create(ctx, j, first))
		return j
	}
	waiting := newJob()
	queued := newJob()
	_, err := jobs.Update(ctx, queued.ID, func(j *job.Job) ([]job.Event, error) {
		events, _, err := j.WorkspaceArrived(job.Arrival{Generation: 1, SizeBytes: 10}, projectNow)
		return events, err
	})
	require.NoError(t, err)
	done := newJob()
	_, err = jobs.Update(ctx, done.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Cancel(string(alice), projectNow)
		return []job.Event{ev}, err
	})
	require.NoError(t, err)
	otherProject := createProject(t, s, alice)
	j, first := jobtest.NewJob(alice, otherProject, projectNow)
	require.NoError(t, jobs.Create(ctx, j, first))
	bystander := j

	require.NoError(t, s.BeginDelete(ctx, pid, false))
	late, first := jobtest.NewJob(alice, pid, projectNow)
	err = jobs.Create(ctx, late, first)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "no job joins a project whose delete began: %v", err)
	require.NoError(t, s.FinishDelete(ctx, pid, projectNow))

	for _, id := range []ids.JobID{waiting.ID, queued.ID} {
		got, err := jobs.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, job.Cancelled, got.State, id)
		require.Equal(t, queued.ID == id, got.SecretsHeld, "a queued job may hold secrets: the sweep scrubs it")
		events, _, err := jobs.Events(ctx, id, 100, "")
		require.NoError(t, err)
		last := events[len(events)-1]
		require.Equal(t, job.EventCancelled, last.Type)
		require.Equal(t, "cancelled by the deletion of project "+string(pid), last.Message)
	}
	got, err := jobs.Get(ctx, done.ID)
	require.NoError(t, err)
	require.Equal(t, "cancelled by "+string(alice), mustLastEvent(t, jobs, done.ID).Message, "a final job is left alone")
	require.Equal(t, job.Cancelled, got.State)
	got, err = jobs.Get(ctx, bystander.ID)
	require.NoError(t, err)
	require.Equal(t, job.AwaitingWorkspace, got.State, "another project's jobs are untouched")

	// Whoever tries the id next cannot become owner of the old jobs.
	err = s.Create(ctx, &project.Project{ID: pid, DisplayName: "mine now"}, "mallory", projectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	role, err := s.Role(ctx, pid, "mallory")
	require.NoError(t, err)
	require.Equal(t, project.None, role)
	late, first = jobtest.NewJob("mallory", pid, projectNow)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(jobs.Create(ctx, late, first)))
}

// A delete begun before tombstones existed (deleting, no tombstone) gets
// its tombstone when it is finished, and its jobs are cancelled.
func TestProjectFinishDeleteTombstonesOldDeletes(t *testing.T) {
	s, client := newProjectStore(t)
	jobs := valetfs.NewJobStore(client)
	ctx := context.Background()
	pid := createProject(t, s, "alice")
	j, first := jobtest.NewJob("alice", pid, projectNow)
	require.NoError(t, jobs.Create(ctx, j, first))
	_, err := client.Collection(valetfs.ProjectsCollection).Doc(string(pid)).Update(ctx, []firestore.Update{{Path: "deleting", Value: true}})
	require.NoError(t, err)

	require.NoError(t, s.FinishDelete(ctx, pid, projectNow))
	got, err := jobs.Get(ctx, j.ID)
	require.NoError(t, err)
	require.Equal(t, job.Cancelled, got.State)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.Create(ctx, &project.Project{ID: pid}, "mallory", projectNow)))
}

func mustLastEvent(t *testing.T, jobs *valetfs.JobStore, id ids.JobID) job.Event {
	t.Helper()
	events, _, err := jobs.Events(context.Background(), id, 100, "")
	require.NoError(t, err)
	require.NotEmpty(t, events)
	return events[len(events)-1]
}
