package finalize_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
)

func serve(t testing.TB, e *env) *httptest.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h, err := e.h.HTTP(ctx)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// post sends obj as a binary-mode CloudEvent, as the local bridge does, and
// returns the answer with its body read and closed.
func post(t testing.TB, url, typ string, obj finalize.StorageObject) *http.Response {
	t.Helper()
	body, err := json.Marshal(obj)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("ce-specversion", "1.0")
	req.Header.Set("ce-id", "http-"+obj.Generation)
	req.Header.Set("ce-type", typ)
	req.Header.Set("ce-source", "//storage.googleapis.com/projects/_/buckets/"+obj.Bucket)
	req.Header.Set("ce-subject", "objects/"+obj.Name)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp
}

func TestHTTPBinaryCloudEvent(t *testing.T) {
	e := newEnv(t)
	srv := serve(t, e)
	j := e.newJob(false)
	obj := e.uploadArtifact(j.ID, job.WorkspaceKind, 0)

	resp := post(t, srv.URL, finalize.EventType, obj)
	require.GreaterOrEqual(t, resp.StatusCode, 200)
	require.Less(t, resp.StatusCode, 300)
	got := e.get(j.ID)
	require.Equal(t, job.Queued, got.State)
	require.Equal(t, obj.Generation, itoa(got.Workspace.Generation))

	// The redelivery is acknowledged too.
	resp = post(t, srv.URL, finalize.EventType, obj)
	require.Less(t, resp.StatusCode, 300)

	// Other types are acknowledged without effect.
	resp = post(t, srv.URL, "google.cloud.storage.object.v1.deleted", obj)
	require.Less(t, resp.StatusCode, 300)
	require.Equal(t, got.EventSeq, e.get(j.ID).EventSeq)
}

func TestHTTPRetryableFailureIsNot2xx(t *testing.T) {
	h := finalize.New(finalize.Options{}) // unconfigured: every event is retried
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	handler, err := h.HTTP(ctx)
	require.NoError(t, err)
	srv := httptest.NewServer(handler)
	defer srv.Close()

	resp := post(t, srv.URL, finalize.EventType, finalize.StorageObject{Bucket: jobsBucket, Name: "jobs/x/workspace.tar", Generation: "1", Size: "1"})
	require.GreaterOrEqual(t, resp.StatusCode, 500, "Eventarc retries on a non-2xx answer")
}

func TestHTTPHealth(t *testing.T) {
	e := newEnv(t)
	srv := serve(t, e)
	resp, err := http.Get(srv.URL + httpapi.HealthPath)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
