package signer

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

// FuzzUpload feeds caller-controlled values to Upload: it never panics, a
// refusal is apperr.Invalid, and an accepted URL verifies with the headers it
// tells the client to send.
func FuzzUpload(f *testing.F) {
	f.Add("jobs/j1/workspace.tar", "application/x-tar", int64(1), int64(100), "1B2M2Y8AsgTpgAmY7PhCfg==", int64(3600))
	f.Add("a b/ü", "text/plain; charset=utf-8", int64(0), int64(0), "", int64(1))
	f.Add("..", "text/", int64(-1), int64(5), "AAAA", int64(0))
	f.Add("x\n", "multipart/form-data; boundary=\"a b\"", int64(9), int64(3), "not base64", int64(604801))
	s, err := New(Options{
		GoogleAccessID: testAccount,
		PrivateKey:     testKeyPEM(),
		Hostname:       "127.0.0.1:4443",
		Insecure:       true,
		Now:            func() time.Time { return testNow },
	})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, object, contentType string, minBytes, maxBytes int64, md5 string, ttlSeconds int64) {
		u, err := s.Upload("valet-workspaces", object, UploadOptions{
			ContentType: contentType, MinBytes: minBytes, MaxBytes: maxBytes, MD5: md5,
			TTL: time.Duration(ttlSeconds) * time.Second,
		})
		if err != nil {
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "err=%v", err)
			return
		}
		verifyV4(t, &testKey().PublicKey, u)
	})
}
