package sweep_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/sweep"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/migrate"
)

// TestSweepRunsMigrationsInBoundedBatches: each run upgrades at most
// MigrationBatch documents of the previous release's form and reports
// them; the runs after the migration is done upgrade nothing.
func TestSweepRunsMigrationsInBoundedBatches(t *testing.T) {
	jobsOnly := migrate.Migration{Name: "test-sweep-jobs", Collection: valetfs.JobsCollection, From: 0, To: 1}
	e := newEnvWith(t, func(e *env, o *sweep.Options) { o.Migrations, o.MigrationBatch = migrate.New(e.client, jobsOnly), 2 })
	ctx := context.Background()
	var docs []string
	for range 5 { // jobs as the previous release wrote them: no schemaVersion
		id := string(ids.NewJobID())
		_, err := e.client.Doc("jobs/"+id).Set(ctx, map[string]any{"id": id, "owner": "u1", "state": "SUCCEEDED", "createdAt": t0, "updatedAt": t0})
		require.NoError(t, err)
		docs = append(docs, "jobs/"+id)
	}
	run := func() sweep.Result {
		res := e.sweep(t)
		require.Zero(t, res.Errors)
		return res
	}
	total := 0
	for runs := 0; total < len(docs); runs++ {
		require.Less(t, runs, 10)
		res := run()
		require.LessOrEqual(t, res.Migrated, 2, "a run upgrades at most MigrationBatch documents")
		total += res.Migrated
	}
	require.Equal(t, len(docs), total)
	for _, path := range docs {
		snap, err := e.client.Doc(path).Get(ctx)
		require.NoError(t, err)
		v, err := migrate.Version(snap.Data())
		require.NoError(t, err)
		require.Equal(t, 1, v, path)
	}
	require.Zero(t, run().Migrated)
}
