package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/client/clienttest"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/seal"
)

func TestClaimNothingQueued(t *testing.T) {
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/dispatch/claim", r.URL.Path)
		assert.Equal(t, "Bearer svc", r.Header.Get("Authorization"))
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		var req ClaimRequest
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&req))
		assert.Equal(t, ClaimRequest{Worker: "w", SingleUse: true}, req)
		w.WriteHeader(http.StatusNoContent)
	})
	c := &Client{DispatchURL: srv + "/dispatch", Token: "svc"}
	_, ok, err := c.Claim(context.Background(), ClaimRequest{Worker: "w", SingleUse: true})
	require.NoError(t, err)
	require.False(t, ok)
}

func TestAuthOpensASealedBundle(t *testing.T) {
	key, _, err := seal.GenerateKey(seal.KEMX25519)
	require.NoError(t, err)
	want := Bundle{JobToken: "jt", WorkflowToken: "wf", Output: SignedURL{URL: "http://storage/out", Headers: map[string]string{"Content-Type": "application/x-tar"}}}
	plain, err := json.Marshal(want)
	require.NoError(t, err)
	sealed, err := seal.Seal(key.PublicKey(), "j_1", 3, plain)
	require.NoError(t, err)

	var asked atomic.Value
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		asked.Store(r.URL.RequestURI())
		json.NewEncoder(w).Encode(map[string]string{"sealed": sealed})
	})
	c := &Client{DispatchURL: srv}

	got, err := c.Auth(context.Background(), "j_1", 3, &key)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.Equal(t, "/jobs/j_1/auth?epoch=3", asked.Load())

	_, err = c.Auth(context.Background(), "j_1", 4, &key)
	require.ErrorContains(t, err, "open the sealed auth bundle", "another epoch does not open")
	_, err = c.Auth(context.Background(), "j_1", 3, nil)
	require.ErrorContains(t, err, "no key")
}

func TestAuthRefusesAPlainBundleWhenSealed(t *testing.T) {
	key, _, err := seal.GenerateKey(seal.KEMX25519)
	require.NoError(t, err)
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(Bundle{JobToken: "jt"})
	})
	_, err = (&Client{DispatchURL: srv}).Auth(context.Background(), "j_1", 1, &key)
	require.ErrorContains(t, err, "unsealed")
}

func TestCallDecodesAPIErrors(t *testing.T) {
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		clienttest.Answer(w, http.StatusConflict, `{"error":{"code":"conflict","message":"stale epoch 1; the lock is at epoch 2"}}`)
	})
	_, err := (&Client{DispatchURL: srv}).State(context.Background(), "j_1", 1, job.Running, "")
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, Error{Status: 409, Code: "conflict", Message: "stale epoch 1; the lock is at epoch 2"}, *e)
}

func TestWaitJobReportsChangesAndRetriesTransientErrors(t *testing.T) {
	states := []string{"QUEUED", "QUEUED", "!503", "RUNNING", "RUNNING", "SUCCEEDED"}
	var calls atomic.Int32
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		s := states[min(int(calls.Add(1))-1, len(states)-1)]
		if s == "!503" {
			clienttest.Answer(w, http.StatusServiceUnavailable, `{"error":{"code":"unavailable","message":"firestore is down"}}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"id": "j_1", "state": s})
	})
	var seen []job.State
	j, err := (&Client{JobsURL: srv}).WaitJob(context.Background(), "j_1", WaitOptions{
		MinInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond,
		OnChange: func(j job.View) { seen = append(seen, j.State) },
	})
	require.NoError(t, err)
	require.Equal(t, job.Succeeded, j.State)
	require.Equal(t, []job.State{job.Queued, job.Running, job.Succeeded}, seen)
	require.EqualValues(t, len(states), calls.Load())
}

func TestWaitJobStopsOnAPermanentError(t *testing.T) {
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		clienttest.Answer(w, http.StatusNotFound, `{"error":{"code":"not_found","message":"job j_1 not found"}}`)
	})
	_, err := (&Client{JobsURL: srv}).WaitJob(context.Background(), "j_1", WaitOptions{MinInterval: time.Millisecond})
	require.Equal(t, http.StatusNotFound, StatusOf(err))
}

func TestUploadSendsTheSignedHeadersAndReportsProgress(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 100_000)
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, http.MethodPut, r.Method)
		assert.Equal(t, "application/x-tar", r.Header.Get("Content-Type"))
		assert.Equal(t, "0", r.Header.Get("x-goog-if-generation-match"))
		assert.EqualValues(t, len(body), r.ContentLength)
		b, _ := io.ReadAll(r.Body)
		assert.Equal(t, body, b)
	})
	var last, total int64
	err := Upload(context.Background(), SignedURL{URL: srv + "/o?X-Goog-Signature=abc", Method: "PUT",
		Headers: map[string]string{"Content-Type": "application/x-tar", "x-goog-if-generation-match": "0"}},
		bytes.NewReader(body), int64(len(body)), func(d, t int64) { last, total = d, t })
	require.NoError(t, err)
	require.EqualValues(t, len(body), last)
	require.EqualValues(t, len(body), total)
}

func TestTransferErrorsNeverShowTheSignedURL(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	url := closed.URL + "/o?X-Goog-Signature=secretsig"
	closed.Close() // connection refused from now on
	_, err := Download(context.Background(), SignedURL{URL: url}, io.Discard, nil)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secretsig")
	err = Upload(context.Background(), SignedURL{URL: url}, bytes.NewReader([]byte("x")), 1, nil)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secretsig")
}

func TestDownloadRefusalIsAnError(t *testing.T) {
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<Error><Code>ExpiredToken</Code></Error>`)
	})
	var buf bytes.Buffer
	_, err := Download(context.Background(), SignedURL{URL: srv}, &buf, nil)
	require.Equal(t, http.StatusForbidden, StatusOf(err))
	require.Zero(t, buf.Len(), "an error body is not written as the file")
}
