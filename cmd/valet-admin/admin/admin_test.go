package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/cmd/valet-admin/admin"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/migrate"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/schema"
)

const (
	objectsBucket = "valet-objects-admin"
	jobsBucket    = "valet-jobs-admin"
)

type world struct {
	t      *testing.T
	fs     *firestore.Client
	gcs    *fakestorage.Server
	config map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, fs: firestoretest.New(t)}
	firestoretest.Reset(t, firestoretest.ProjectID(t))
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	require.NoError(t, err)
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: objectsBucket})
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: jobsBucket})
	w.gcs = gcs
	w.config = map[string]string{"GOOGLE_CLOUD_PROJECT": firestoretest.ProjectID(t), "VALET_OBJECTS_BUCKET": objectsBucket, "VALET_JOBS_BUCKET": jobsBucket}
	return w
}

// run runs valet-admin against the emulator's database and the fake
// buckets, and returns its exit code, stdout and stderr.
func (w *world) run(args ...string) (int, string, string) {
	w.t.Helper()
	var stdout, stderr bytes.Buffer
	clients := func(ctx context.Context, project, database string) (*firestore.Client, *storage.Client, error) {
		fs, err := valetfs.NewDatabaseClient(ctx, project, database)
		return fs, w.gcs.Client(), err
	}
	code := admin.Run(context.Background(), args, &stdout, &stderr, func(k string) string { return w.config[k] }, clients)
	return code, stdout.String(), stderr.String()
}

func (w *world) verify(args ...string) (int, admin.Findings) {
	w.t.Helper()
	code, out, errOut := w.run(append([]string{"verify", "--json"}, args...)...)
	require.Contains(w.t, []int{admin.ExitOK, admin.ExitFound}, code, errOut)
	var f admin.Findings
	require.NoError(w.t, json.Unmarshal([]byte(out), &f), out)
	return code, f
}

// store puts bytes at name in bucket and returns their generation.
func (w *world) store(bucket, name string) int64 {
	w.t.Helper()
	w.gcs.CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: name}, Content: []byte("bytes of " + name)})
	o, err := w.gcs.GetObject(bucket, name)
	require.NoError(w.t, err)
	return o.Generation
}

// readyObject writes a READY object's document; with bytes, its bytes too.
func (w *world) readyObject(bytes bool) string {
	w.t.Helper()
	id := string(ids.NewObjectID())
	o := object.Object{ID: ids.ObjectID(id), Space: "users/alice", Name: id + ".txt", State: object.Ready, SizeBytes: 10, CreatedBy: "alice",
		Key: object.Key("users/alice", ids.ObjectID(id), 0), Generation: 42, SchemaVersion: schema.Objects}
	if bytes {
		o.Generation = w.store(objectsBucket, o.Key)
	}
	_, err := w.fs.Collection(valetfs.ObjectsCollection).Doc(id).Set(context.Background(), &o)
	require.NoError(w.t, err)
	return id
}

// succeededJob writes a job whose workspace and output are recorded; with
// bytes, their bytes too.
func (w *world) succeededJob(bytes bool, created time.Time) string {
	w.t.Helper()
	id := string(ids.NewJobID())
	j := job.Job{ID: ids.JobID(id), Owner: "alice", State: job.Succeeded, CreatedAt: created, SchemaVersion: schema.Jobs,
		Workspace: job.Artifact{Present: true, Epoch: 1, Generation: 7}, Output: job.Artifact{Present: true, Epoch: 1, Generation: 8}}
	if bytes {
		j.Workspace.Generation = w.store(jobsBucket, job.WorkspaceName(ids.JobID(id), 1))
		j.Output.Generation = w.store(jobsBucket, job.ArtifactName(ids.JobID(id), job.OutputKind, 1))
	}
	_, err := w.fs.Collection(valetfs.JobsCollection).Doc(id).Set(context.Background(), &j)
	require.NoError(w.t, err)
	return id
}

// TestVerify is the check of issue 17: nothing on a healthy dataset; a
// document whose bytes are gone and bytes no document owns, in both
// buckets, each listed once with exit status 1.
func TestVerify(t *testing.T) {
	w := newWorld(t)
	w.readyObject(true)
	w.succeededJob(true, time.Now())
	pending := string(ids.NewObjectID()) // a PENDING object owns its key before its bytes arrive
	_, err := w.fs.Collection(valetfs.ObjectsCollection).Doc(pending).Set(context.Background(),
		&object.Object{ID: ids.ObjectID(pending), Space: "users/alice", State: object.Pending, Key: object.Key("users/alice", ids.ObjectID(pending), 0)})
	require.NoError(t, err)
	w.store(objectsBucket, object.Key("users/alice", ids.ObjectID(pending), 0))
	w.succeededJob(false, time.Now().Add(-40*24*time.Hour)) // past the jobs bucket's retention: its bytes went on purpose

	code, f := w.verify("--grace", "0s")
	require.Equal(t, admin.ExitOK, code, "%+v", f)
	require.Empty(t, f.Missing)
	require.Empty(t, f.Orphans)
	require.Equal(t, 4, f.CheckedObjects)

	// Orphans younger than the grace period are uploads still being
	// recorded: not reported by default.
	orphanObject := object.Key("users/mallory", ids.NewObjectID(), 0)
	w.store(objectsBucket, orphanObject)
	orphanJob := job.ArtifactName(ids.JobID(ids.NewJobID()), job.OutputKind, 3)
	w.store(jobsBucket, orphanJob)
	code, f = w.verify()
	require.Equal(t, admin.ExitOK, code, "%+v", f)

	gone := w.readyObject(false)
	goneJob := w.succeededJob(false, time.Now())
	code, f = w.verify("--grace", "0s")
	require.Equal(t, admin.ExitFound, code)
	var missing, orphans []string
	for _, m := range f.Missing {
		missing = append(missing, m.Document+" "+m.Name)
	}
	for _, o := range f.Orphans {
		orphans = append(orphans, o.Bucket+" "+o.Name)
	}
	require.ElementsMatch(t, []string{
		"objects/" + gone + " " + object.Key("users/alice", ids.ObjectID(gone), 0),
		"jobs/" + goneJob + " " + job.WorkspaceName(ids.JobID(goneJob), 1),
		"jobs/" + goneJob + " " + job.ArtifactName(ids.JobID(goneJob), job.OutputKind, 1),
	}, missing)
	require.ElementsMatch(t, []string{objectsBucket + " " + orphanObject, jobsBucket + " " + orphanJob}, orphans)

	// The text form says the same for people, with the same exit status.
	code, out, _ := w.run("verify", "--grace", "0s")
	require.Equal(t, admin.ExitFound, code)
	require.Contains(t, out, "MISSING objects/"+gone)
	require.Contains(t, out, "ORPHAN gs://"+objectsBucket+"/"+orphanObject)
}

// TestVerifyUsage: bad invocations are usage errors, never a check.
func TestVerifyUsage(t *testing.T) {
	w := newWorld(t)
	for _, args := range [][]string{{}, {"nope"}, {"verify", "extra"}, {"verify", "--grace", "soon"}, {"migrate", "--batch", "0"}} {
		code, _, _ := w.run(args...)
		require.Equal(t, admin.ExitUsage, code, "%q", args)
	}
	w.config = map[string]string{}
	code, _, errOut := w.run("verify")
	require.Equal(t, admin.ExitUsage, code)
	require.Contains(t, errOut, "GOOGLE_CLOUD_PROJECT")
	w.config = map[string]string{"GOOGLE_CLOUD_PROJECT": "p"}
	code, _, errOut = w.run("verify")
	require.Equal(t, admin.ExitUsage, code)
	require.Contains(t, errOut, "name a bucket")
}

// TestMigrateCommand: valet-admin migrate runs every migration to done on
// documents of the previous release, and --status says so.
func TestMigrateCommand(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for range 3 {
		id := string(ids.NewJobID())
		_, err := w.fs.Doc("jobs/"+id).Set(ctx, map[string]any{"id": id, "owner": "alice", "state": "SUCCEEDED"})
		require.NoError(t, err)
	}
	code, out, errOut := w.run("migrate", "--batch", "2", "--json")
	require.Equal(t, admin.ExitOK, code, errOut)
	var rep migrate.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.True(t, rep.Done)
	require.Equal(t, 3, rep.Upgraded)
	code, out, _ = w.run("migrate", "--status")
	require.Equal(t, admin.ExitOK, code)
	require.Contains(t, out, "0001-schema-version-jobs")
	require.Contains(t, out, "done")
}
