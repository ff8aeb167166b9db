package migrate_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/migrate"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/schema"
)

func fresh(t *testing.T) *firestore.Client {
	t.Helper()
	c := firestoretest.New(t)
	firestoretest.Reset(t, firestoretest.ProjectID(t))
	return c
}

// readAll reads the dataset through the current stores, as the functions
// do: every job (and its events), object, project, membership, tombstone
// and token must read the same whatever the documents' versions.
func readAll(t *testing.T, c *firestore.Client, d v0) {
	t.Helper()
	ctx := context.Background()
	jobs, objects, projects := valetfs.NewJobStore(c), valetfs.NewObjectStore(c), valetfs.NewProjectStore(c)
	for _, id := range d.jobs {
		j, err := jobs.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, job.Succeeded, j.State)
		require.Equal(t, "example/v0", j.Spec["image"])
		require.True(t, j.Output.Present)
		require.EqualValues(t, 1700000000000200, j.Output.Generation)
		events, _, err := jobs.Events(ctx, id, 10, "")
		require.NoError(t, err)
		require.Len(t, events, 2)
		require.Equal(t, job.EventSucceeded, events[1].Type)
	}
	listed, _, err := jobs.List(ctx, job.Query{Projects: []ids.ProjectID{ids.ProjectID(d.pid)}, Project: ids.ProjectID(d.pid), PageSize: 100})
	require.NoError(t, err)
	require.Len(t, listed, len(d.jobs))
	for _, id := range d.objects {
		o, err := objects.Get(ctx, ids.ObjectID(id))
		require.NoError(t, err)
		require.Equal(t, "READY", string(o.State))
		require.Equal(t, "spaces/projects/"+d.pid+"/"+id, o.Key)
	}
	inSpace, _, err := objects.List(ctx, ids.SpaceID("projects/"+d.pid), "", 100, "")
	require.NoError(t, err)
	require.Len(t, inSpace, len(d.objects))
	u, err := objects.Usage(ctx, ids.SpaceID("projects/"+d.pid))
	require.NoError(t, err)
	require.EqualValues(t, len(d.objects), u.Objects)
	p, err := projects.Get(ctx, ids.ProjectID(d.pid))
	require.NoError(t, err)
	require.EqualValues(t, d.owner, p.CreatedBy)
	for user, want := range map[string]project.Role{d.owner: project.Owner, d.viewer: project.Viewer} {
		role, err := projects.Role(ctx, ids.ProjectID(d.pid), ids.UserID(user))
		require.NoError(t, err)
		require.Equal(t, want, role)
	}
	members, err := projects.Members(ctx, ids.ProjectID(d.pid))
	require.NoError(t, err)
	require.Len(t, members, 2)
	ms, err := projects.Memberships(ctx, ids.UserID(d.viewer))
	require.NoError(t, err)
	require.Equal(t, []project.Membership{{Project: ids.ProjectID(d.pid), Role: project.Viewer}}, ms)
	err = projects.Create(ctx, &project.Project{ID: ids.ProjectID(d.deletedPID)}, "mallory", time.Now())
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "a tombstoned id is never reissued: %v", err)
	tokens, err := apitoken.New(valetfs.NewTokenStore(c), apitoken.Options{}).List(ctx, ids.UserID(d.tokenOwner))
	require.NoError(t, err)
	require.Len(t, tokens, 1)
	require.Equal(t, "ci", tokens[0].Name)
}

// versions is migrate.Versions, which must not fail.
func versions(t *testing.T, c *firestore.Client) map[string]int {
	t.Helper()
	v, err := migrate.Versions(context.Background(), c)
	require.NoError(t, err)
	return v
}

func requireAllAt(t *testing.T, c *firestore.Client, want int) {
	t.Helper()
	for path, v := range versions(t, c) {
		require.Equal(t, want, v, "%s", path)
	}
}

// TestMigrationUpgradesThePreviousReleasesData is the migration test of
// issue 17: a dataset written by the previous release reads the same
// through the current stores before, during (half migrated) and after the
// migration; the runner, in small batches, brings every document to
// version 1 and then finds nothing more to do.
func TestMigrationUpgradesThePreviousReleasesData(t *testing.T) {
	c := fresh(t)
	ctx := context.Background()
	d := writeV0(t, c, 7)
	require.Len(t, versions(t, c), d.docs)
	readAll(t, c, d)

	r := migrate.New(c)
	rep, err := r.Step(ctx, 5)
	require.NoError(t, err)
	require.False(t, rep.Done)
	require.Positive(t, rep.Upgraded)
	require.LessOrEqual(t, rep.Upgraded, 5)
	readAll(t, c, d) // half migrated: both forms side by side

	// The current code writes the current version, whatever it read.
	_, err = valetfs.NewJobStore(c).Update(ctx, d.jobs[3], func(j *job.Job) ([]job.Event, error) {
		j.Labels = map[string]string{"touched": "yes"}
		return nil, nil
	})
	require.NoError(t, err)
	snap, err := c.Doc("jobs/" + d.jobs[3].String()).Get(ctx)
	require.NoError(t, err)
	v, err := migrate.Version(snap.Data())
	require.NoError(t, err)
	require.Equal(t, schema.Jobs, v)

	var steps int
	rep, err = r.Run(ctx, 5, func(migrate.Report) { steps++ })
	require.NoError(t, err)
	require.True(t, rep.Done)
	require.Greater(t, steps, 1, "batches of 5 take several steps")
	var upgraded int64
	for _, p := range rep.Migrations {
		require.True(t, p.Done, p.Name)
		upgraded += p.Upgraded
	}
	require.EqualValues(t, d.docs-1, upgraded, "every document but the one the store rewrote, once")
	requireAllAt(t, c, 1)
	readAll(t, c, d)

	// Done is done: running again reads the checkpoints only.
	rep, err = r.Step(ctx, 5)
	require.NoError(t, err)
	require.True(t, rep.Done)
	require.Zero(t, rep.Upgraded)
}

// counting is a test migration of the v0 jobs that counts, in the
// document, how often it was applied; fail, when set, makes the n-th
// call fail (a crash in the middle of a batch).
func counting(name string, fail func(n int) bool) migrate.Migration {
	var mu sync.Mutex
	n := 0
	return migrate.Migration{Name: name, Collection: valetfs.JobsCollection, From: 0, To: 1,
		Upgrade: func(map[string]any) ([]firestore.Update, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			if fail != nil && fail(n) {
				return nil, apperr.E(apperr.Unavailable, "crash")
			}
			return []firestore.Update{{Path: "applied", Value: firestore.Increment(1)}}, nil
		}}
}

func requireAppliedOnce(t *testing.T, c *firestore.Client, d v0) {
	t.Helper()
	for _, id := range d.jobs {
		snap, err := c.Doc("jobs/" + id.String()).Get(context.Background())
		require.NoError(t, err)
		require.EqualValues(t, 1, snap.Data()["applied"], id)
		require.EqualValues(t, 1, snap.Data()[schema.Field], id)
	}
}

// TestMigrationResumesAfterACrash: a batch that fails half-way commits
// nothing; the next runner resumes from the checkpoint and every document
// is upgraded exactly once.
func TestMigrationResumesAfterACrash(t *testing.T) {
	c := fresh(t)
	ctx := context.Background()
	d := writeV0(t, c, 9)
	crashy := migrate.New(c, counting("test-crash", func(n int) bool { return n == 6 }))
	_, err := crashy.Step(ctx, 4) // jobs 1-4 commit
	require.NoError(t, err)
	_, err = crashy.Step(ctx, 4) // jobs 5-8: the 6th upgrade crashes, the batch rolls back
	require.Error(t, err)
	rep, err := migrate.New(c, counting("test-crash", nil)).Run(ctx, 4, nil)
	require.NoError(t, err)
	require.True(t, rep.Done)
	require.EqualValues(t, len(d.jobs), rep.Migrations[0].Upgraded)
	requireAppliedOnce(t, c, d)
}

// TestMigrationRunnersRace: the sweep and `valet-admin migrate` may run
// at once; they serialize on the checkpoint and upgrade each document
// once.
func TestMigrationRunnersRace(t *testing.T) {
	c := fresh(t)
	ctx := context.Background()
	d := writeV0(t, c, 6)
	m := counting("test-race", nil)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = migrate.New(c, m).Run(ctx, 2, nil)
		})
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	requireAppliedOnce(t, c, d)
}

// TestAllEndsAtTheCurrentVersions: the migrations bring each collection
// to the version the code writes, and every collection is covered.
func TestAllEndsAtTheCurrentVersions(t *testing.T) {
	current := map[string]int{
		valetfs.JobsCollection: schema.Jobs, valetfs.EventsCollection: schema.Events, valetfs.ObjectsCollection: schema.Objects,
		valetfs.SpacesCollection: schema.Spaces, valetfs.ProjectsCollection: schema.Projects, valetfs.MembersCollection: schema.Members,
		valetfs.MembershipsCollection: schema.Memberships, valetfs.TombstonesCollection: schema.Tombstones, valetfs.TokensCollection: schema.APITokens, valetfs.AuditCollection: schema.Audit,
	}
	reached := map[string]int{}
	var names []string
	for _, m := range migrate.All() {
		require.False(t, slices.Contains(names, m.Name), "duplicate name %s", m.Name)
		names = append(names, m.Name)
		require.Equal(t, reached[m.Collection], m.From, "%s starts where the previous one ended", m.Name)
		reached[m.Collection] = m.To
	}
	require.Equal(t, current, reached)
}

// TestPreviousReleaseReadsVersionedDocuments: a rollback is safe, because
// the previous release's stored forms (no schemaVersion field) read the
// documents the current code writes; the client ignores the field.
func TestPreviousReleaseReadsVersionedDocuments(t *testing.T) {
	c := fresh(t)
	ctx := context.Background()
	jobs := valetfs.NewJobStore(c)
	j := &job.Job{ID: ids.NewJobID(), Owner: "alice", State: job.Queued, Spec: map[string]any{"image": "x"}}
	require.NoError(t, jobs.Create(ctx, j, job.Event{Type: job.EventCreated}))
	snap, err := c.Doc("jobs/" + j.ID.String()).Get(ctx)
	require.NoError(t, err)
	require.EqualValues(t, schema.Jobs, snap.Data()[schema.Field])
	var previous struct { // job.Job's fields as commit 87489cc had them, in part
		ID    string         `firestore:"id"`
		Owner string         `firestore:"owner"`
		State string         `firestore:"state"`
		Spec  map[string]any `firestore:"spec"`
	}
	require.NoError(t, snap.DataTo(&previous))
	require.Equal(t, "alice", previous.Owner)
}
