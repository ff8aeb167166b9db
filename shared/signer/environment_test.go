package signer

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"
)

// fakeIAM answers signBlob for testAccount by signing with testKey.
func fakeIAM(t *testing.T, calls *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/projects/-/serviceAccounts/"+testAccount+":signBlob" {
			http.Error(w, `{"error":{"code":403,"message":"denied"}}`, http.StatusForbidden)
			return
		}
		var req struct{ Payload string }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		payload, err := base64.StdEncoding.DecodeString(req.Payload)
		if err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		sum := sha256.Sum256(payload)
		sig, err := rsa.SignPKCS1v15(rand.Reader, testKey(), crypto.SHA256, sum[:])
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"keyId": "k1", "signedBlob": base64.StdEncoding.EncodeToString(sig)})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestNewFromEnvironmentSignsThroughIAM(t *testing.T) {
	var calls atomic.Int32
	iam := fakeIAM(t, &calls)
	email := func(_ context.Context, account string) (string, error) {
		require.Equal(t, "default", account)
		return testAccount, nil
	}
	s, err := newFromEnvironment(context.Background(), Options{Now: func() time.Time { return testNow }}, email,
		option.WithEndpoint(iam.URL), option.WithoutAuthentication())
	require.NoError(t, err)
	require.Equal(t, testAccount, s.GoogleAccessID())

	u, err := s.Upload("valet-workspaces", "jobs/j1/workspace.tar", UploadOptions{ContentType: "application/x-tar", MaxBytes: 10, TTL: time.Hour})
	require.NoError(t, err)
	require.Equal(t, int32(1), calls.Load())
	verifyV4(t, &testKey().PublicKey, u)
}

func TestNewFromEnvironmentWithoutMetadata(t *testing.T) {
	noMetadata := func(context.Context, string) (string, error) { return "", errors.New("not on GCE") }
	_, err := newFromEnvironment(context.Background(), Options{}, noMetadata, option.WithoutAuthentication())
	require.ErrorContains(t, err, "metadata server")
}

func TestNewFromEnvironmentPrefersAKey(t *testing.T) {
	noMetadata := func(context.Context, string) (string, error) {
		t.Fatal("the metadata server must not be asked when a key is given")
		return "", nil
	}
	s, err := newFromEnvironment(context.Background(), Options{GoogleAccessID: testAccount, PrivateKey: testKeyPEM()}, noMetadata)
	require.NoError(t, err)
	_, err = s.Download("valet-outputs", "o", DownloadOptions{TTL: time.Hour})
	require.NoError(t, err)
}

func TestIAMRefusalIsReported(t *testing.T) {
	var calls atomic.Int32
	iam := fakeIAM(t, &calls)
	s, err := newFromEnvironment(context.Background(), Options{GoogleAccessID: "other@x.iam.gserviceaccount.com"}, nil,
		option.WithEndpoint(iam.URL), option.WithoutAuthentication())
	require.NoError(t, err)
	_, err = s.Download("valet-outputs", "o", DownloadOptions{TTL: time.Hour})
	require.ErrorContains(t, err, "serviceAccountTokenCreator")
	require.Equal(t, int32(1), calls.Load())
}
