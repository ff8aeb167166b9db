package stack_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/testenv"
)

// TestDeletedProjectIDIsNeverReissued is issue 10's first attack: alice
// deletes a project that has jobs, mallory creates a project with the same
// id. Before tombstones mallory became owner of alice's jobs: read them,
// downloaded their output, cancelled them and uploaded the workspace of one
// still waiting for it (which would have run as alice's runtime user).
// Now the id is refused, every old job answers 404 to everyone, and the
// jobs that were not final are cancelled by the delete.
func TestDeletedProjectIDIsNeverReissued(t *testing.T) {
	s := startStack(t)
	jobsURL, objectsURL, dispatchURL := s.Info.Functions["jobs"], s.Info.Functions["objects"], s.Info.Functions["dispatch"]
	alice := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice"})}
	mallory := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "mallory"})}
	dispatcher := dispatcherClient(t, s, nil)
	pid := fmt.Sprintf("reuse-%d", time.Now().UnixNano()%1e6)
	alice.do(http.MethodPost, objectsURL+"/projects", map[string]any{"id": pid, "displayName": "Alice's"}, http.StatusCreated, nil)

	workspace := []byte("a workspace of alice's project")
	submit := func() (jobView, signedURL) {
		created := alice.submit(jobsURL, "example/reuse", workspace, map[string]any{"project": pid})
		return created.Job, created.Upload
	}
	// One job succeeds (its output is there to steal) ...
	done, upload := submit()
	put(t, upload, workspace)
	doneURL := jobsURL + "/jobs/" + done.ID
	waitForState(t, alice, doneURL, "QUEUED")
	claim := dispatcher.claim(dispatchURL, "reuse")
	bundle := dispatcher.bundle(dispatchURL, done.ID, claim.Lock.Epoch)
	put(t, bundle.Output, []byte("alice's output"))
	waitForState(t, alice, doneURL, "SUCCEEDED")
	// ... one waits for its workspace.
	waiting, waitingUpload := submit()
	waitingURL := jobsURL + "/jobs/" + waiting.ID

	alice.do(http.MethodDelete, objectsURL+"/projects/"+pid, nil, http.StatusNoContent, nil)

	mallory.do(http.MethodPost, objectsURL+"/projects", map[string]any{"id": pid, "displayName": "Mine now"}, http.StatusConflict, nil)
	for _, c := range []client{mallory, alice} {
		c.do(http.MethodGet, doneURL, nil, http.StatusNotFound, nil)
		c.do(http.MethodGet, doneURL+"/output", nil, http.StatusNotFound, nil)
		c.do(http.MethodGet, doneURL+"/events", nil, http.StatusNotFound, nil)
		c.do(http.MethodPost, waitingURL+"/cancel", nil, http.StatusNotFound, nil)
		c.do(http.MethodPost, waitingURL+"/upload", nil, http.StatusNotFound, nil)
		c.do(http.MethodGet, objectsURL+"/projects/"+pid, nil, http.StatusNotFound, nil)
	}
	mallory.do(http.MethodPost, jobsURL+"/jobs", map[string]any{"project": pid, "spec": map[string]any{"image": "x"},
		"workspace": map[string]any{"sizeBytes": 1}}, http.StatusNotFound, nil)

	// The job that waited was cancelled by the delete: a workspace uploaded
	// now with the URL handed out before is refused, and it never runs.
	ctx := context.Background()
	fs, err := valetfs.NewClient(ctx, s.Info.Project)
	require.NoError(t, err)
	t.Cleanup(func() { _ = fs.Close() })
	store := valetfs.NewJobStore(fs)
	got, err := store.Get(ctx, ids.JobID(waiting.ID))
	require.NoError(t, err)
	require.Equal(t, job.Cancelled, got.State)
	put(t, waitingUpload, workspace)
	var events []job.Event
	testenv.WaitUntil(t, func() bool {
		var err error
		events, _, err = store.Events(ctx, ids.JobID(waiting.ID), 100, "")
		return err == nil && len(events) > 0 && events[len(events)-1].Type == job.EventUploadRejected
	}, func() string { return fmt.Sprintf("finalize rejects the late workspace: events %v", events) })
	got, err = store.Get(ctx, ids.JobID(waiting.ID))
	require.NoError(t, err)
	require.Equal(t, job.Cancelled, got.State)
	got, err = store.Get(ctx, ids.JobID(done.ID))
	require.NoError(t, err)
	require.Equal(t, job.Succeeded, got.State, "a final job is left as it was")
}
