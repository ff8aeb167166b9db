package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/cmd/valet-admin/admin"
	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/migrate"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/schema"
	"valet.dev/valet/shared/testenv"
)

// emulatorCall POSTs body to the Firestore emulator's admin endpoint
// /emulator/v1/projects/{project}:{verb} (export, import) or DELETEs its
// documents (verb ""), as the Firebase emulator suite documents them.
func emulatorCall(t *testing.T, project, verb string, body any) {
	t.Helper()
	host := os.Getenv(valetfs.EmulatorHostEnv)
	method, u := http.MethodPost, fmt.Sprintf("http://%s/emulator/v1/projects/%s:%s", host, project, verb)
	var raw []byte
	if verb == "" {
		method, u = http.MethodDelete, fmt.Sprintf("http://%s/emulator/v1/projects/%s/databases/(default)/documents", host, project)
	} else {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		raw = b
	}
	res := sendRaw(t, method, u, http.Header{"Content-Type": {"application/json"}}, raw)
	require.Equal(t, http.StatusOK, res.status, "%s %s: %s", method, u, res.body)
}

// requireVerifyClean waits until valet-admin verify's check finds nothing
// on the stack: finalize deletes an upload once it has copied it to its
// object's key, a moment after the object reads READY.
func requireVerifyClean(t *testing.T, s *stack.Stack) {
	t.Helper()
	var f *admin.Findings
	testenv.WaitUntil(t, func() bool {
		f = verifyStack(t, s)
		return f.Clean()
	}, func() string { return fmt.Sprintf("verify still finds %+v", f) })
}

// verifyStack runs valet-admin verify's check on the stack's database and
// buckets, with no grace period.
func verifyStack(t *testing.T, s *stack.Stack) *admin.Findings {
	t.Helper()
	ctx := context.Background()
	fs, err := valetfs.NewClient(ctx, s.Info.Project)
	require.NoError(t, err)
	defer fs.Close()
	st := s.FakeGCS.Client()
	defer st.Close()
	f, err := admin.Verify(ctx, fs, st, admin.VerifyOptions{ObjectsBucket: s.Info.Buckets.Objects, JobsBucket: s.Info.Buckets.Jobs})
	require.NoError(t, err)
	return f
}

// requireCurrentVersions: every document the flows wrote carries the
// schema version its collection's code writes (no write path forgot it).
func requireCurrentVersions(t *testing.T, s *stack.Stack) {
	t.Helper()
	fs, err := valetfs.NewClient(context.Background(), s.Info.Project)
	require.NoError(t, err)
	defer fs.Close()
	versions, err := migrate.Versions(context.Background(), fs)
	require.NoError(t, err)
	require.NotEmpty(t, versions)
	for path, v := range versions {
		require.GreaterOrEqual(t, v, 1, "%s carries no schema version", path)
	}
}

// TestRestoreKeepsEveryJobObjectAndMembership is the restore test of issue
// 17, the local half of docs/operations.md's restore runbook: after the
// end-to-end flow (a project with a second member, an object in it, a job
// run to success with its output), the Firestore emulator's data is
// exported, wiped, and imported back, and every job, object and
// membership reads as before through the API, bytes included. Then
// valet-admin verify finds nothing on the healthy stack, and finds a
// planted document whose bytes are missing and a planted orphan.
func TestRestoreKeepsEveryJobObjectAndMembership(t *testing.T) {
	s := startStack(t, func(o *stack.Options) { o.SweepEvery = -1 })
	jobsURL, objectsURL, dispatchURL, tokensURL := s.Info.Functions["jobs"], s.Info.Functions["objects"], s.Info.Functions["dispatch"], s.Info.Functions["tokens"]
	alice := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice"})}
	bob := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "bob"})}
	dispatcher := dispatcherClient(t, s, nil)

	// The flow: a project bob belongs to, an object in it, a job of it; an
	// API token of alice's; a deleted project, whose id stays retired.
	pid := fmt.Sprintf("restore-%d", time.Now().UnixNano()%1e6)
	alice.do(http.MethodPost, objectsURL+"/projects", map[string]any{"id": pid + "-gone", "displayName": "Deleted"}, http.StatusCreated, nil)
	alice.do(http.MethodDelete, objectsURL+"/projects/"+pid+"-gone", nil, http.StatusNoContent, nil)
	var token struct {
		Token string `json:"token"`
	}
	alice.handout(http.MethodPost, tokensURL+"/tokens", map[string]any{"name": "kept", "scopes": []string{"objects:read"}, "expiresInSeconds": 3600}, http.StatusCreated, &token)
	app := client{t: t, token: token.Token}
	alice.do(http.MethodPost, objectsURL+"/projects", map[string]any{"id": pid, "displayName": "Restored"}, http.StatusCreated, nil)
	var bobSpaces struct {
		Spaces []struct{ ID string } `json:"spaces"`
	}
	bob.do(http.MethodGet, objectsURL+"/spaces", nil, http.StatusOK, &bobSpaces)
	bobID, ok := strings.CutPrefix(bobSpaces.Spaces[0].ID, "users/")
	require.True(t, ok, "the first space is bob's own")
	alice.do(http.MethodPut, objectsURL+"/projects/"+pid+"/members/"+bobID, map[string]any{"role": "viewer"}, http.StatusOK, nil)
	data := []byte("data kept across a restore")
	obj := alice.createObject(objectsURL, "projects/"+pid, "kept.txt", "text/plain", data)
	put(t, obj.Upload, data)
	objectURL := objectsURL + "/objects/" + obj.Object.ID
	waitForState(t, bob, objectURL, "READY")

	workspace := []byte("a workspace")
	created := alice.submit(jobsURL, "example/restore", workspace, map[string]any{"project": pid})
	put(t, created.Upload, workspace)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	waitForState(t, alice, jobURL, "QUEUED")
	claim := dispatcher.claim(dispatchURL, "restore")
	bundle := dispatcher.bundle(dispatchURL, created.Job.ID, claim.Lock.Epoch)
	output := []byte("the output")
	put(t, bundle.Output, output)
	waitForState(t, alice, jobURL, "SUCCEEDED")

	// What the API answers, read the same way after the restore.
	readAll := func() {
		t.Helper()
		var j jobView
		bob.do(http.MethodGet, jobURL, nil, http.StatusOK, &j)
		require.Equal(t, "SUCCEEDED", j.State)
		var events struct {
			Events []struct {
				Type string `json:"type"`
			} `json:"events"`
		}
		alice.do(http.MethodGet, jobURL+"/events", nil, http.StatusOK, &events)
		require.NotEmpty(t, events.Events)
		var dl signedURL
		bob.handout(http.MethodGet, jobURL+"/output", nil, http.StatusOK, &dl)
		require.Equal(t, output, get(t, dl.URL))
		var o sharedObject
		bob.do(http.MethodGet, objectURL, nil, http.StatusOK, &o)
		require.Equal(t, "READY", o.State)
		bob.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &dl)
		require.Equal(t, data, get(t, dl.URL))
		var spaces struct {
			Spaces []struct{ ID string } `json:"spaces"`
		}
		bob.do(http.MethodGet, objectsURL+"/spaces", nil, http.StatusOK, &spaces)
		var ids []string
		for _, sp := range spaces.Spaces {
			ids = append(ids, sp.ID)
		}
		require.Contains(t, ids, "projects/"+pid, "bob's membership")
		var p map[string]any
		alice.do(http.MethodGet, objectsURL+"/projects/"+pid, nil, http.StatusOK, &p)
		require.Equal(t, "Restored", p["displayName"])
		app.do(http.MethodGet, objectURL, nil, http.StatusOK, &o) // alice's API token still verifies
		bob.do(http.MethodPost, objectsURL+"/projects", map[string]any{"id": pid + "-gone", "displayName": "Again"}, http.StatusConflict, nil)
	}
	readAll()
	requireVerifyClean(t, s) // a healthy stack: every document's bytes are there, every byte has its document
	requireCurrentVersions(t, s)

	// Export, wipe, import: the emulator's stand-in for restoring a backup
	// into a database.
	dir := t.TempDir()
	db := "projects/" + s.Info.Project + "/databases/(default)"
	emulatorCall(t, s.Info.Project, "export", map[string]any{"database": db, "export_directory": dir})
	emulatorCall(t, s.Info.Project, "", nil)
	bob.do(http.MethodGet, jobURL, nil, http.StatusNotFound, nil)
	alice.do(http.MethodGet, objectsURL+"/projects/"+pid, nil, http.StatusNotFound, nil)
	meta, err := filepath.Glob(filepath.Join(dir, "*", "*.overall_export_metadata"))
	require.NoError(t, err)
	require.Len(t, meta, 1)
	// The emulator takes the metadata file's path as export_directory.
	emulatorCall(t, s.Info.Project, "import", map[string]any{"database": db, "export_directory": meta[0]})
	readAll()
	requireVerifyClean(t, s)

	// A restored document whose bytes are gone, and bytes no document owns.
	ctx := context.Background()
	fs, err := valetfs.NewClient(ctx, s.Info.Project)
	require.NoError(t, err)
	defer fs.Close()
	gone := string(ids.NewObjectID())
	goneKey := object.Key(ids.SpaceID("projects/"+pid), ids.ObjectID(gone), 0)
	_, err = fs.Collection(valetfs.ObjectsCollection).Doc(gone).Set(ctx, &object.Object{ID: ids.ObjectID(gone), Space: ids.SpaceID("projects/" + pid), Name: "gone.txt",
		State: object.Ready, SizeBytes: 3, Key: goneKey, Generation: 99, SchemaVersion: schema.Objects})
	require.NoError(t, err)
	// The stray bytes get a finalize event like any upload, so they must be
	// bytes finalize leaves in place: a later revision of the kept object,
	// as a revoke that copied its bytes and stopped before moving the
	// object's metadata leaves them. (Bytes at the key of an object that
	// does not exist would be deleted by finalize, racing this check.)
	orphan := object.Key(ids.SpaceID("projects/"+pid), ids.ObjectID(obj.Object.ID), 7)
	s.FakeGCS.CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: s.Info.Buckets.Objects, Name: orphan}, Content: []byte("stray")})
	f := verifyStack(t, s)
	require.Len(t, f.Missing, 1)
	require.Equal(t, "objects/"+gone, f.Missing[0].Document)
	require.Equal(t, goneKey, f.Missing[0].Name)
	require.Len(t, f.Orphans, 1)
	require.Equal(t, orphan, f.Orphans[0].Name)
}
