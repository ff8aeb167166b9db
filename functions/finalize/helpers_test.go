package finalize_test

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/privategcs/privategcstest"
	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/shared/custody/custodytest"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/secretmanager"
)

const (
	jobsBucket    = "valet-jobs-test"
	objectsBucket = "valet-objects-test"
)

// env is one test's finalize handler over the Firestore emulator and an
// in-process fake-gcs-server.
type env struct {
	t       testing.TB
	store   job.Store
	objects *valetfs.ObjectStore
	secrets *custodytest.Env
	storage *fakestorage.Server
	copier  *gcs.Client // the store as the function reaches it
	h       *finalize.Handler
	now     time.Time
}

var nextGeneration atomic.Int64

func init() { nextGeneration.Store(time.Now().UnixMicro()) }

func newEnv(t testing.TB) *env {
	t.Helper()
	apitest.Bench(t)
	client := firestoretest.New(t)
	store := valetfs.NewJobStore(client)
	// Copies go through the stack's store, which enforces their
	// preconditions as Cloud Storage does (fake-gcs-server alone does not).
	srv, copier := privategcstest.Start(t, jobsBucket, objectsBucket)
	// The clock starts now, so a job's deadline (and its secrets' expiry)
	// is in the future for Secret Manager too.
	e := &env{t: t, store: store, objects: valetfs.NewObjectStore(client), storage: srv, now: time.Now().UTC().Truncate(time.Second)}
	e.secrets = custodytest.New(t)
	keys := secretmanager.NewSigningKeys(e.secrets.Client, custodytest.Project, "")
	_, err := keys.Rotate(context.Background())
	require.NoError(t, err)
	e.h = finalize.New(finalize.Options{
		Secrets:       e.secrets.Store,
		Workflow:      jobtoken.NewWorkflowMinter(keys, jobtoken.WorkflowOptions{Issuer: "https://valet.test", Audience: "copy-offload", Now: func() time.Time { return e.now }}),
		Store:         store,
		Objects:       privategcstest.Client(t, srv.HTTPClient().Transport),
		Bucket:        jobsBucket,
		ObjectStore:   e.objects,
		Copier:        copier,
		ObjectsBucket: objectsBucket,
		Now:           func() time.Time { return e.now },
		Audit:         apitest.Audit(t),
	})
	e.copier = copier
	return e
}

// content is what a test uploads: declared and uploaded bodies differ in
// the tests of rejection.
func content(id ids.JobID, kind job.Kind, n int) []byte {
	return fmt.Appendf(nil, "%s %s %d", id, kind, n)
}

func md5b64(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// newJob stores a job awaiting a workspace whose declared size and MD5 are
// those of content(id, workspace, 0).
func (e *env) newJob(requireAttestation bool) *job.Job {
	e.t.Helper()
	id := ids.NewJobID()
	ws := content(id, job.WorkspaceKind, 0)
	j := &job.Job{
		ID:                 id,
		Owner:              "users/test",
		RuntimeUser:        "test",
		Spec:               map[string]any{"image": "busybox"},
		State:              job.AwaitingWorkspace,
		MaxAttempts:        job.DefaultMaxAttempts,
		TimeoutSeconds:     int64(job.DefaultTimeout / time.Second),
		RequireAttestation: requireAttestation,
		RuntimeScopes:      []string{},
		Workspace:          job.Artifact{SizeBytes: int64(len(ws)), MD5: md5b64(ws)},
		CreatedAt:          e.now,
		UpdatedAt:          e.now,
		UploadDeadline:     e.now.Add(job.UploadWindow),
		SecretLayout:       job.SecretsPerJob,
	}
	require.NoError(e.t, e.store.Create(context.Background(), j, job.Event{Time: e.now, Type: job.EventCreated, Message: "created"}))
	return j
}

// upload writes body as name into the fake jobs bucket under a fresh
// generation and returns the object JSON a finalize event carries.
func (e *env) upload(name string, body []byte) finalize.StorageObject {
	e.t.Helper()
	return e.uploadTo(jobsBucket, name, body)
}

// uploadTo writes body as name into bucket (see upload).
func (e *env) uploadTo(bucket, name string, body []byte) finalize.StorageObject {
	e.t.Helper()
	gen := nextGeneration.Add(1)
	e.storage.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: name, Generation: gen, Md5Hash: md5b64(body), ContentType: "application/octet-stream"},
		Content:     body,
	})
	return finalize.StorageObject{
		Bucket:      bucket,
		Name:        name,
		Generation:  strconv.FormatInt(gen, 10),
		Size:        strconv.Itoa(len(body)),
		MD5Hash:     md5b64(body),
		ContentType: "application/octet-stream",
	}
}

// uploadArtifact uploads the n-th body of kind for job id: the workspace
// at the job's open workspace key, or an artifact under the job's current
// epoch.
func (e *env) uploadArtifact(id ids.JobID, kind job.Kind, n int) finalize.StorageObject {
	if kind == job.WorkspaceKind {
		return e.upload(job.WorkspaceName(id, e.get(id).WorkspaceKey), content(id, kind, n))
	}
	return e.uploadAt(id, kind, e.get(id).Lock.Epoch, n)
}

// arrive uploads the first body of kind for job id (uploadArtifact),
// delivers its event and returns the object and the job after it.
func (e *env) arrive(id ids.JobID, kind job.Kind) (finalize.StorageObject, *job.Job) {
	e.t.Helper()
	obj := e.uploadArtifact(id, kind, 0)
	e.deliver(obj)
	return obj, e.get(id)
}

// uploadAt uploads the n-th body of an artifact under the claim at epoch.
func (e *env) uploadAt(id ids.JobID, kind job.Kind, epoch int64, n int) finalize.StorageObject {
	return e.upload(job.ArtifactName(id, kind, epoch), content(id, kind, n))
}

// present reports whether the object's generation is still in the bucket.
func (e *env) present(obj finalize.StorageObject) bool {
	o, err := e.storage.GetObject(obj.Bucket, obj.Name)
	return err == nil && strconv.FormatInt(o.Generation, 10) == obj.Generation
}

var eventIDs atomic.Int64

// finalized builds the CloudEvent Eventarc delivers for obj.
func finalized(t testing.TB, obj finalize.StorageObject) event.Event {
	t.Helper()
	ev := event.New()
	ev.SetID(fmt.Sprintf("ev-%d", eventIDs.Add(1)))
	ev.SetType(finalize.EventType)
	ev.SetSource("//storage.googleapis.com/projects/_/buckets/" + obj.Bucket)
	ev.SetSubject("objects/" + obj.Name)
	ev.SetTime(time.Now())
	body, err := json.Marshal(obj)
	require.NoError(t, err)
	require.NoError(t, ev.SetData("application/json", body))
	return ev
}

// deliver hands obj's event to the handler and requires an ack.
func (e *env) deliver(obj finalize.StorageObject) {
	e.t.Helper()
	require.NoError(e.t, e.h.HandleEvent(context.Background(), finalized(e.t, obj)))
}

func (e *env) get(id ids.JobID) *job.Job {
	e.t.Helper()
	j, err := e.store.Get(context.Background(), id)
	require.NoError(e.t, err)
	return j
}

// newWorkspaceKey mints a new workspace key for job id, as
// POST /jobs/{id}/upload does.
func (e *env) newWorkspaceKey(id ids.JobID) {
	e.t.Helper()
	_, err := e.store.Update(context.Background(), id, func(j *job.Job) ([]job.Event, error) {
		_, err := j.NewWorkspaceKey(e.now)
		return nil, err
	})
	require.NoError(e.t, err)
}

// claimedJob stores a job whose workspace arrived and that a dispatcher
// claimed: it waits for its output.
func (e *env) claimedJob(requireAttestation bool) *job.Job {
	e.t.Helper()
	j := e.newJob(requireAttestation)
	e.deliver(e.uploadArtifact(j.ID, job.WorkspaceKind, 0))
	e.claim(j.ID)
	return j
}

func (e *env) claim(id ids.JobID) {
	e.t.Helper()
	_, err := e.store.Update(context.Background(), id, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Claim("dispatcher@test", "worker-1", job.DefaultLease, e.now)
		if err != nil {
			return nil, err
		}
		return []job.Event{ev}, nil
	})
	require.NoError(e.t, err)
}

// eventTypes lists the types of the job's events in order.
func (e *env) eventTypes(id ids.JobID) []string {
	e.t.Helper()
	var types []string
	token := ""
	for {
		events, next, err := e.store.Events(context.Background(), id, 100, token)
		require.NoError(e.t, err)
		for _, ev := range events {
			types = append(types, ev.Type)
		}
		if next == "" {
			return types
		}
		token = next
	}
}
