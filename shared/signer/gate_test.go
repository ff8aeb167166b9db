package signer

import (
	"bytes"
	"crypto/md5"
	"crypto/rsa"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/gate"
)

const gateBucket = "valet-workspaces"

// gateStack is the local storage path: the signed-URL gate in front of an
// in-process fake-gcs-server, and a signer pointed at the gate. Signer and
// gate share a clock the test can move forward.
type gateStack struct {
	fake   *fakestorage.Server
	signer *Signer
	skew   atomic.Int64 // ns added to the gate's clock
}

func newGateStack(t *testing.T) *gateStack {
	t.Helper()
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{Scheme: "http", Host: "127.0.0.1", PublicHost: "127.0.0.1"})
	require.NoError(t, err)
	t.Cleanup(fake.Stop)
	fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: gateBucket})

	st := &gateStack{fake: fake}
	g, err := gate.New(gate.Options{
		Upstream: fake.URL(),
		Keys:     map[string]*rsa.PublicKey{testAccount: &testKey().PublicKey},
		Now:      func() time.Time { return time.Now().Add(time.Duration(st.skew.Load())) },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)

	st.signer, err = New(Options{
		GoogleAccessID: testAccount,
		PrivateKey:     testKeyPEM(),
		Hostname:       srv.Listener.Addr().String(),
		Insecure:       true,
	})
	require.NoError(t, err)
	return st
}

// do sends the request a client would make from u, and returns the status
// and, for refusals, the Cloud Storage error code.
func do(t *testing.T, u URL, body []byte) (status int, code string, respBody []byte) {
	t.Helper()
	req, err := http.NewRequest(u.Method, u.URL, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range u.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	respBody, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode >= 300 {
		var e struct{ Code string }
		_ = xml.Unmarshal(respBody, &e)
		code = e.Code
	}
	return resp.StatusCode, code, respBody
}

func md5Of(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func TestGateAcceptsUploadAndDownload(t *testing.T) {
	st := newGateStack(t)
	body := []byte("a workspace tar, or close enough")
	up, err := st.signer.Upload(gateBucket, "jobs/j1/workspace.tar", UploadOptions{
		ContentType: "application/x-tar", MinBytes: 1, MaxBytes: 64, MD5: md5Of(body), TTL: time.Hour,
	})
	require.NoError(t, err)

	status, code, _ := do(t, up, body)
	require.Equal(t, http.StatusOK, status, code)
	obj, err := st.fake.GetObject(gateBucket, "jobs/j1/workspace.tar")
	require.NoError(t, err)
	require.Equal(t, body, obj.Content)
	require.Equal(t, "application/x-tar", obj.ContentType)

	down, err := st.signer.Download(gateBucket, "jobs/j1/workspace.tar", DownloadOptions{TTL: time.Hour})
	require.NoError(t, err)
	status, code, got := do(t, down, nil)
	require.Equal(t, http.StatusOK, status, code)
	require.Equal(t, body, got)
}

func TestGateRefusesMisusedUploads(t *testing.T) {
	body := []byte("twelve bytes")
	for _, tc := range []struct {
		name   string
		opts   UploadOptions
		misuse func(st *gateStack, u *URL, body *[]byte)
		status int
		code   string
	}{
		{
			name: "tampered signature",
			misuse: func(_ *gateStack, u *URL, _ *[]byte) {
				i := strings.Index(u.URL, "X-Goog-Signature=") + len("X-Goog-Signature=")
				flip := map[byte]byte{'0': '1'}[u.URL[i]]
				if flip == 0 {
					flip = '0'
				}
				u.URL = u.URL[:i] + string(flip) + u.URL[i+1:]
			},
			status: http.StatusForbidden, code: gate.CodeSignatureDoesNotMatch,
		},
		{
			name: "another object",
			misuse: func(_ *gateStack, u *URL, _ *[]byte) {
				u.URL = strings.Replace(u.URL, "/jobs/j1/", "/jobs/j2/", 1)
			},
			status: http.StatusForbidden, code: gate.CodeSignatureDoesNotMatch,
		},
		{
			name: "another content type",
			misuse: func(_ *gateStack, u *URL, _ *[]byte) {
				u.Headers[HeaderContentType] = "text/html"
			},
			status: http.StatusForbidden, code: gate.CodeSignatureDoesNotMatch,
		},
		{
			name: "expired",
			misuse: func(st *gateStack, _ *URL, _ *[]byte) {
				st.skew.Store(int64(time.Hour + time.Second))
			},
			status: http.StatusBadRequest, code: gate.CodeExpiredToken,
		},
		{
			name: "over MaxBytes",
			misuse: func(_ *gateStack, _ *URL, b *[]byte) {
				*b = append(*b, '!')
			},
			status: http.StatusBadRequest, code: gate.CodeEntityTooLarge,
		},
		{
			name: "body differs from MD5",
			opts: UploadOptions{MD5: md5Of(body)},
			misuse: func(_ *gateStack, _ *URL, b *[]byte) {
				*b = []byte("TWELVE BYTES")
			},
			status: http.StatusBadRequest, code: gate.CodeBadDigest,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := newGateStack(t)
			opts := UploadOptions{ContentType: "application/x-tar", MinBytes: 1, MaxBytes: int64(len(body)), TTL: time.Hour, MD5: tc.opts.MD5}
			u, err := st.signer.Upload(gateBucket, "jobs/j1/workspace.tar", opts)
			require.NoError(t, err)
			sent := bytes.Clone(body)
			tc.misuse(st, &u, &sent)

			status, code, _ := do(t, u, sent)
			require.Equal(t, tc.status, status)
			require.Equal(t, tc.code, code)
			_, err = st.fake.GetObject(gateBucket, "jobs/j1/workspace.tar")
			require.Error(t, err, "a refused upload must store nothing")
		})
	}
}

func TestGateDownloadExpiresAtExpiresAt(t *testing.T) {
	st := newGateStack(t)
	st.fake.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: gateBucket, Name: "out.tar"},
		Content:     []byte("output"),
	})
	u, err := st.signer.Download(gateBucket, "out.tar", DownloadOptions{TTL: time.Minute})
	require.NoError(t, err)
	status, _, got := do(t, u, nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, []byte("output"), got)

	// The URL works until the ExpiresAt it reports, and not from then on.
	st.skew.Store(int64(time.Until(u.ExpiresAt) - 2*time.Second))
	status, code, _ := do(t, u, nil)
	require.Equal(t, http.StatusOK, status, code)
	st.skew.Store(int64(time.Until(u.ExpiresAt)))
	status, code, _ = do(t, u, nil)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, gate.CodeExpiredToken, code)
}
