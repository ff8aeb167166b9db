package objects

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/privategcs/privategcstest"
	"valet.dev/valet/shared/audit"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/signer"
	"valet.dev/valet/shared/signer/signertest"
)

const testBucket = "valet-objects-test"

// env is the objects handler over the Firestore emulator, the stack's
// private store (fake-gcs-server behind Cloud Storage's preconditions) and
// a signer with a test key.
type env struct {
	t        testing.TB
	objects  *valetfs.ObjectStore
	projects *valetfs.ProjectStore
	gcs      *fakestorage.Server // inside storage, for seeding and inspecting
	storage  *gcs.Client         // the function's client of the private store
	srv      *httptest.Server
	auditLog *apitest.Logs // the audit writer's log lines
}

// newEnv serves the function with quota (0: the default), over stores
// built with storeOpts.
func newEnv(t testing.TB, quota int64, storeOpts ...valetfs.StoreOption) *env {
	t.Helper()
	apitest.Bench(t)
	client := firestoretest.New(t)
	fake, storage := privategcstest.Start(t, testBucket)
	e := &env{t: t, objects: valetfs.NewObjectStore(client, storeOpts...), projects: valetfs.NewProjectStore(client, storeOpts...), gcs: fake, storage: storage,
		auditLog: &apitest.Logs{}}
	auditStore := valetfs.NewAuditStore(client, storeOpts...)
	e.srv = httptest.NewServer(New(Options{
		Objects: e.objects, Projects: e.projects, Storage: e.storage, Signer: signertest.New(t),
		Bucket: testBucket, QuotaBytes: quota, Authenticate: apitest.Authenticate,
		Audit: audit.New(audit.Options{Out: e.auditLog, Store: auditStore}), AuditLog: auditStore,
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// unique returns name with a random suffix, valid as a user or project id:
// tests share the package's emulator project.
func unique(name string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// response is a recorded answer.
type response = apitest.Response

// call sends method path as principal ("" for none) with body (a string
// as is, anything else as JSON, nil as none).
func (e *env) call(principal, method, path string, body any) response {
	e.t.Helper()
	if req, err := http.NewRequest(method, e.srv.URL+path, nil); err == nil {
		record(req) // for TestEveryRouteIsListed
	}
	return apitest.DoAs(e.t, e.srv.URL, principal, method, path, body)
}

// user is "user:<id>", the header of a user with every scope.
func user(id string) string { return "user:" + id }

// createAnswer is the client's view of POST /spaces/{space}/objects.
type createAnswer struct {
	Object object.Object `json:"object"`
	Upload signer.URL    `json:"upload"`
}

// projectAnswer is the client's view of a project.
type projectAnswer struct {
	ID          string           `json:"id"`
	DisplayName string           `json:"displayName"`
	CreatedBy   string           `json:"createdBy"`
	Members     []project.Member `json:"members"`
}

// newProject creates a project owned by owner, with members added by role.
func (e *env) newProject(owner string, members map[string]project.Role) string {
	e.t.Helper()
	pid := unique("p")
	var out projectAnswer
	e.call(user(owner), "POST", "/projects", map[string]any{"id": pid, "displayName": "Project " + pid}).Decode(e.t, http.StatusCreated, &out)
	for u, role := range members {
		var m project.Member
		e.call(user(owner), "PUT", "/projects/"+pid+"/members/"+u, map[string]any{"role": role}).Decode(e.t, http.StatusOK, &m)
	}
	return pid
}

// md5Of is the base64 MD5 of content, as GCS reports it.
func md5Of(content []byte) string {
	sum := md5.Sum(content)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// createObject starts an upload of content named name in space as p.
func (e *env) createObject(p, space, name string, content []byte) createAnswer {
	e.t.Helper()
	var out createAnswer
	e.call(p, "POST", "/spaces/"+space+"/objects", map[string]any{
		"name": name, "contentType": "text/plain", "sizeBytes": len(content), "md5": md5Of(content),
	}).Decode(e.t, http.StatusCreated, &out)
	return out
}

// arrive writes content at the object's storage key in fake-gcs and
// records its arrival, as the finalize function does.
func (e *env) arrive(id ids.ObjectID, content []byte) *object.Object {
	e.t.Helper()
	ctx := context.Background()
	o, err := e.objects.Get(ctx, id)
	require.NoError(e.t, err)
	e.gcs.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: testBucket, Name: o.Key, ContentType: o.ContentType},
		Content:     content,
	})
	stored, err := e.gcs.GetObject(testBucket, o.Key)
	require.NoError(e.t, err)
	done, rejected, err := e.objects.Arrived(ctx, id, o.Key, object.Arrival{Generation: stored.Generation, SizeBytes: int64(len(content)), MD5: md5Of(content)}, o.CreatedAt)
	require.NoError(e.t, err)
	require.False(e.t, rejected)
	require.Equal(e.t, object.Ready, done.State)
	return done
}

// upload creates and arrives an object: READY, as the store has it.
func (e *env) upload(p, space, name string, content []byte) *object.Object {
	e.t.Helper()
	return e.arrive(e.createObject(p, space, name, content).Object.ID, content)
}

// stored reports the bytes at key in fake-gcs, and whether they exist.
func (e *env) stored(key string) ([]byte, bool) {
	obj, err := e.gcs.GetObject(testBucket, key)
	if err != nil {
		return nil, false
	}
	return obj.Content, true
}

// object returns the object as the store has it (Key included).
func (e *env) object(id ids.ObjectID) *object.Object {
	e.t.Helper()
	o, err := e.objects.Get(context.Background(), id)
	require.NoError(e.t, err)
	return o
}

// usage is what space holds.
func (e *env) usage(space string) object.Usage {
	e.t.Helper()
	u, err := e.objects.Usage(context.Background(), ids.SpaceID(space))
	require.NoError(e.t, err)
	return u
}
