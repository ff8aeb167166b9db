package finalize_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/job"
)

// serve serves h's HTTP receiver (what Cloud Functions runs) for the test.
func serve(t testing.TB, h *finalize.Handler) *apitest.Server {
	t.Helper()
	handler, err := h.HTTP(t.Context())
	require.NoError(t, err)
	return apitest.Serve(t, handler)
}

// post sends obj as a binary-mode CloudEvent, as the local bridge does.
func post(t testing.TB, url, typ string, obj finalize.StorageObject) apitest.Response {
	t.Helper()
	h := http.Header{}
	h.Set("ce-specversion", "1.0")
	h.Set("ce-id", "http-"+obj.Generation)
	h.Set("ce-type", typ)
	h.Set("ce-source", "//storage.googleapis.com/projects/_/buckets/"+obj.Bucket)
	h.Set("ce-subject", "objects/"+obj.Name)
	return apitest.Send(t, http.MethodPost, url+"/", obj, h)
}

func TestHTTPBinaryCloudEvent(t *testing.T) {
	e := newEnv(t)
	srv := serve(t, e.h)
	j := e.newJob(false)
	obj := e.uploadArtifact(j.ID, job.WorkspaceKind, 0)

	resp := post(t, srv.URL, finalize.EventType, obj)
	require.GreaterOrEqual(t, resp.Status, 200)
	require.Less(t, resp.Status, 300)
	got := e.get(j.ID)
	require.Equal(t, job.Queued, got.State)
	require.Equal(t, obj.Generation, itoa(got.Workspace.Generation))

	// The redelivery is acknowledged too.
	resp = post(t, srv.URL, finalize.EventType, obj)
	require.Less(t, resp.Status, 300)

	// Other types are acknowledged without effect.
	resp = post(t, srv.URL, "google.cloud.storage.object.v1.deleted", obj)
	require.Less(t, resp.Status, 300)
	require.Equal(t, got.EventSeq, e.get(j.ID).EventSeq)
}

func TestHTTPRetryableFailureIsNot2xx(t *testing.T) {
	srv := serve(t, finalize.New(finalize.Options{})) // unconfigured: every event is retried

	resp := post(t, srv.URL, finalize.EventType, finalize.StorageObject{Bucket: jobsBucket, Name: "jobs/x/workspace.tar", Generation: "1", Size: "1"})
	require.GreaterOrEqual(t, resp.Status, 500, "Eventarc retries on a non-2xx answer")
}

func TestHTTPHealth(t *testing.T) {
	e := newEnv(t)
	srv := serve(t, e.h)
	require.Equal(t, http.StatusOK, apitest.Send(t, http.MethodGet, srv.URL+httpapi.HealthPath, nil, nil).Status)
}
