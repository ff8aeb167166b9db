package sweep_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/shared/custody/custodytest"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/migrate"
)

// TestSweepRunsMigrationsInBoundedBatches: each run upgrades at most
// MigrationBatch documents of the previous release's form and reports
// them; the runs after the migration is done upgrade nothing.
func TestSweepRunsMigrationsInBoundedBatches(t *testing.T) {
	client := firestoretest.New(t)
	firestoretest.Reset(t, firestoretest.ProjectID(t))
	ctx := context.Background()
	var docs []string
	for range 5 { // jobs as the previous release wrote them: no schemaVersion
		id := string(ids.NewJobID())
		_, err := client.Doc("jobs/"+id).Set(ctx, map[string]any{"id": id, "owner": "u1", "state": "SUCCEEDED", "createdAt": t0, "updatedAt": t0})
		require.NoError(t, err)
		docs = append(docs, "jobs/"+id)
	}
	jobsOnly := migrate.Migration{Name: "test-sweep-jobs", Collection: valetfs.JobsCollection, From: 0, To: 1}
	srv := httptest.NewServer(sweep.New(sweep.Options{
		Store: valetfs.NewJobStore(client), Objects: &recorder{fail: map[string]error{}}, Secrets: custodytest.New(t).Store, Bucket: bucket,
		Authenticate: apitest.Authenticate, Now: func() time.Time { return t0 },
		Migrations: migrate.New(client, jobsOnly), MigrationBatch: 2,
	}))
	t.Cleanup(srv.Close)
	run := func() sweep.Result {
		r := apitest.DoAs(t, srv.URL, "service:scheduler", http.MethodPost, "/sweep", nil)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var res sweep.Result
		require.NoError(t, json.Unmarshal(r.Body, &res))
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
		snap, err := client.Doc(path).Get(ctx)
		require.NoError(t, err)
		v, err := migrate.Version(snap.Data())
		require.NoError(t, err)
		require.Equal(t, 1, v, path)
	}
	require.Zero(t, run().Migrated)
}
