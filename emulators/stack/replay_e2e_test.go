package stack_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/testenv"
)

// waitGone waits until bucket/name holds no object: finalize deletes the
// bytes it refuses only after it has committed what it records, so once
// they are gone the job says all it will about them.
func waitGone(t *testing.T, s *stack.Stack, bucket, name string) {
	t.Helper()
	testenv.WaitUntil(t, func() bool { return gone(s, bucket, name) }, func() string { return name + " is still there" })
}

// gone says bucket/name holds no object.
func gone(s *stack.Stack, bucket, name string) bool {
	_, err := s.FakeGCS.GetObject(bucket, name)
	return err != nil
}

type replayJob struct {
	ID              string `json:"id"`
	State           string `json:"state"`
	RejectedUploads int64  `json:"rejectedUploads"`
}

type eventsPage struct {
	Events []struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"events"`
}

// countEvents counts the job's events of type typ (all of them for "").
func countEvents(c client, url, typ string) int {
	var page eventsPage
	c.do(http.MethodGet, url+"/events?pageSize=100", nil, http.StatusOK, &page)
	n := 0
	for _, e := range page.Events {
		if typ == "" || e.Type == typ {
			n++
		}
	}
	return n
}

// TestWorkspaceUploadURLsAreSingleUse replays workspace upload URLs
// through the gate (which enforces x-goog-if-generation-match): a URL
// superseded by a newer one, and a URL replayed after its object was
// deleted, create bytes at a key nothing accepts; finalize deletes them and
// the job records nothing. Before, every URL of a job named the same key,
// so the superseded URL delivered the workspace.
func TestWorkspaceUploadURLsAreSingleUse(t *testing.T) {
	s := startStack(t)
	jobsURL := s.Info.Functions["jobs"]
	alice := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice"})}
	workspace := []byte("the workspace, declared with its MD5")
	created := alice.submit(jobsURL, "example/replay", workspace, nil)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	var again struct {
		Upload signedURL `json:"upload"`
	}
	alice.handout(http.MethodPost, jobURL+"/upload", nil, http.StatusOK, &again)
	require.NotEqual(t, created.Upload.URL, again.Upload.URL)

	put(t, created.Upload, workspace)
	waitGone(t, s, s.Info.Buckets.Jobs, job.WorkspaceName(ids.JobID(created.Job.ID), 1))
	var j replayJob
	alice.do(http.MethodGet, jobURL, nil, http.StatusOK, &j)
	require.Equal(t, "AWAITING_WORKSPACE", j.State, "the superseded URL's upload does not count")
	require.Zero(t, countEvents(alice, jobURL, job.EventUploadRejected), "and leaves no trace")

	put(t, again.Upload, workspace)
	waitForState(t, alice, jobURL, "QUEUED")
	require.Equal(t, http.StatusPreconditionFailed, putStatus(t, again.Upload, workspace), "create-only while its object is there")

	// Once the workspace is gone (cancelled, retention), a replay creates
	// bytes again, at a used-up key: deleted, and nothing recorded.
	alice.do(http.MethodPost, jobURL+"/cancel", nil, http.StatusOK, nil)
	before := countEvents(alice, jobURL, "")
	require.NoError(t, s.FakeGCS.Client().Bucket(s.Info.Buckets.Jobs).Object(job.WorkspaceName(ids.JobID(created.Job.ID), 2)).Delete(context.Background()))
	for range 3 {
		put(t, again.Upload, workspace)
		waitGone(t, s, s.Info.Buckets.Jobs, job.WorkspaceName(ids.JobID(created.Job.ID), 2))
	}
	require.Equal(t, before, countEvents(alice, jobURL, ""))
	alice.do(http.MethodGet, jobURL, nil, http.StatusOK, &j)
	require.Equal(t, "CANCELLED", j.State)
	require.Zero(t, j.RejectedUploads)
}

// TestReplayedUploadsCannotGrowTheEventLog replays a superseded claim's
// output URL more times than a job records rejections: each replay's bytes
// are deleted, the first job.MaxRejectedEvents are events, the rest only
// counted. Before, every replay appended an UPLOAD_REJECTED event, until
// the job's deadline.
func TestReplayedUploadsCannotGrowTheEventLog(t *testing.T) {
	s := startStack(t)
	jobsURL, dispatchURL := s.Info.Functions["jobs"], s.Info.Functions["dispatch"]
	alice := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice"})}
	dispatcher := dispatcherClient(t, s, nil)
	workspace := []byte("workspace")
	var created struct {
		Job    replayJob `json:"job"`
		Upload signedURL `json:"upload"`
	}
	alice.handout(http.MethodPost, jobsURL+"/jobs", map[string]any{"spec": map[string]any{"image": "example/replay"},
		"workspace": map[string]any{"sizeBytes": len(workspace)}}, http.StatusCreated, &created)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	put(t, created.Upload, workspace)
	waitForState(t, alice, jobURL, "QUEUED")

	claim := func() int64 {
		var c struct {
			Lock struct {
				Epoch int64 `json:"epoch"`
			} `json:"lock"`
		}
		dispatcher.do(http.MethodPost, dispatchURL+"/claim", map[string]any{"worker": "replay"}, http.StatusOK, &c)
		return c.Lock.Epoch
	}
	first := claim()
	bundle := dispatcher.bundle(dispatchURL, created.Job.ID, first)
	dispatcher.report(dispatchURL, created.Job.ID, first, "QUEUED")
	require.Equal(t, first+1, claim())

	const replays = job.MaxRejectedEvents + 5
	stale := job.ArtifactName(ids.JobID(created.Job.ID), job.OutputKind, first)
	for range replays {
		put(t, bundle.Output, []byte("output of a superseded claim"))
		waitGone(t, s, s.Info.Buckets.Jobs, stale)
	}
	require.Equal(t, job.MaxRejectedEvents, countEvents(alice, jobURL, job.EventUploadRejected))
	var j replayJob
	alice.do(http.MethodGet, jobURL, nil, http.StatusOK, &j)
	require.EqualValues(t, replays, j.RejectedUploads)
	require.Equal(t, "LOCKED", j.State)
}

// uploadedName is the object name a signed URL of bucket writes.
func uploadedName(t *testing.T, bucket string, u signedURL) string {
	t.Helper()
	b, name := u.object(t)
	require.Equal(t, bucket, b, u.URL)
	return name
}

// neverServes replays body through upload once finalize is done with what
// it wrote before and, until finalize has dealt with the replay (its bytes
// gone), requires that none of downloads serves it.
func neverServes(t *testing.T, s *stack.Stack, upload signedURL, body []byte, downloads ...signedURL) {
	t.Helper()
	name := uploadedName(t, s.Info.Buckets.Objects, upload)
	waitGone(t, s, s.Info.Buckets.Objects, name)
	put(t, upload, body)
	check := func() {
		for _, d := range downloads {
			res := getRaw(t, d.URL)
			require.False(t, res.status == http.StatusOK && bytes.Equal(res.body, body), "a download URL served the replayed bytes")
		}
	}
	testenv.WaitUntil(t, func() bool {
		check()
		return gone(s, s.Info.Buckets.Objects, name)
	}, func() string { return name + " is still there" })
	check()
}

// TestObjectUploadURLReplayedAfterRevokeAndDelete replays a shared
// object's upload URL, with other bytes of the declared size, after a
// revoke and after a delete: the URL names an upload key, never a key a
// download URL names, and that key is used up by the first upload, so no
// download URL (signed before the revoke, after it, or before the delete)
// ever serves the replayed bytes, and the object's record does not change.
// Before, the URL named revision 0's key: the replay wrote where download
// URLs signed before the revoke pointed, and they served it until finalize
// deleted it.
func TestObjectUploadURLReplayedAfterRevokeAndDelete(t *testing.T) {
	s := startStack(t)
	objectsURL := s.Info.Functions["objects"]
	alice := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice"})}
	var spaces struct {
		Spaces []struct{ ID string } `json:"spaces"`
	}
	alice.do(http.MethodGet, objectsURL+"/spaces", nil, http.StatusOK, &spaces)
	home := spaces.Spaces[0].ID
	body := []byte("shared bytes")
	replayed := []byte("replay bytes") // the same size: no MD5 was declared
	var created struct {
		Object sharedObject `json:"object"`
		Upload signedURL    `json:"upload"`
	}
	alice.handout(http.MethodPost, objectsURL+"/spaces/"+home+"/objects", map[string]any{
		"name": "replay.txt", "contentType": "text/plain", "sizeBytes": len(body),
	}, http.StatusCreated, &created)
	first := object.Key(ids.SpaceID(home), ids.ObjectID(created.Object.ID), 0)
	require.NotEqual(t, first, uploadedName(t, s.Info.Buckets.Objects, created.Upload), "the upload URL names no download key")
	put(t, created.Upload, body)
	objectURL := objectsURL + "/objects/" + created.Object.ID
	waitForState(t, alice, objectURL, "READY")
	var old signedURL
	alice.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &old)
	require.Equal(t, body, get(t, old.URL))

	alice.do(http.MethodPost, objectURL+"/revoke", nil, http.StatusOK, nil)
	var before map[string]any
	alice.do(http.MethodGet, objectURL, nil, http.StatusOK, &before)
	var fresh signedURL
	alice.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &fresh)
	neverServes(t, s, created.Upload, replayed, old, fresh)
	var after map[string]any
	alice.do(http.MethodGet, objectURL, nil, http.StatusOK, &after)
	require.Equal(t, before, after, "the replay changed nothing of the object")
	require.Equal(t, http.StatusNotFound, getRaw(t, old.URL).status, "the revoked download URL stays dead")
	require.Equal(t, body, get(t, fresh.URL))

	alice.do(http.MethodDelete, objectURL, nil, http.StatusNoContent, nil)
	neverServes(t, s, created.Upload, replayed, old, fresh)
	require.True(t, gone(s, s.Info.Buckets.Objects, first), "nothing at revision 0's key")
	alice.do(http.MethodGet, objectURL, nil, http.StatusNotFound, nil)
	var list struct {
		Objects []sharedObject `json:"objects"`
	}
	alice.do(http.MethodGet, objectsURL+"/spaces/"+home+"/objects", nil, http.StatusOK, &list)
	require.Empty(t, list.Objects, "no object comes back")
}
