package iamcredentials_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/iamcredentials"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/signer"
)

const account = "valet-functions@valet-test.iam.gserviceaccount.com"

func start(t *testing.T, key *rsa.PrivateKey) (*iamcredentials.Server, string) {
	t.Helper()
	s := iamcredentials.New(iamcredentials.Options{Keys: map[string]*rsa.PrivateKey{account: key}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	endpoint, stop := s.Serve(l)
	t.Cleanup(stop)
	return s, endpoint
}

// The production signing path (config.Deps.Signer without a key file:
// signer.NewFromEnvironment calling IAM signBlob) runs against the
// stand-in, and its URLs are byte for byte those the account's key signs
// (RSA PKCS#1 v1.5 is deterministic): one signBlob call per URL.
func TestProductionSignerSignsThroughTheStandIn(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	s, endpoint := start(t, key)
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

	d := &config.Deps{Env: config.Env{SignerEmail: account, IAMCredentialsURL: endpoint, SignedURLBase: "http://127.0.0.1:4443"}}
	viaIAM, err := d.Signer(context.Background())
	require.NoError(t, err)
	withKey, err := signer.New(signer.Options{
		GoogleAccessID: account, Hostname: "127.0.0.1:4443", Insecure: true, Now: func() time.Time { return now },
		PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
	})
	require.NoError(t, err)

	opts := signer.DownloadOptions{TTL: time.Hour}
	got, err := viaIAM.Download("valet-jobs", "jobs/j1/workspace", opts)
	require.NoError(t, err)
	require.EqualValues(t, 1, s.Calls(), "one signBlob per URL")
	// Sign the same request at the time the IAM signer stated.
	stated, err := url.Parse(got.URL)
	require.NoError(t, err)
	now, err = time.Parse("20060102T150405Z", stated.Query().Get("X-Goog-Date"))
	require.NoError(t, err)
	want, err := withKey.Download("valet-jobs", "jobs/j1/workspace", opts)
	require.NoError(t, err)
	require.Equal(t, want.URL, got.URL)
}

// Only the holder of the per-run credential gets a signature, only as the
// account the stand-in holds a key for, and a malformed request is a 4xx
// with Google's error shape.
func TestStandInRefuses(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	s, endpoint := start(t, key)
	u, err := url.Parse(endpoint)
	require.NoError(t, err)
	pass, _ := u.User.Password()
	base := "http://" + u.Host
	basic := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass))}}
	sign := func(path, body string, auth bool) (int, string) {
		h := basic
		if !auth {
			h = nil
		}
		r := apitest.Send(t, http.MethodPost, base+path, body, h)
		return r.Status, string(r.Body)
	}
	good := "/v1/projects/-/serviceAccounts/" + account + ":signBlob"
	payload := `{"payload":"aGVsbG8="}`

	status, body := sign(good, payload, false)
	require.Equal(t, http.StatusUnauthorized, status, body)
	require.Contains(t, body, "UNAUTHENTICATED")

	status, body = sign("/v1/projects/-/serviceAccounts/other@valet-test.iam.gserviceaccount.com:signBlob", payload, true)
	require.Equal(t, http.StatusForbidden, status, body)
	require.Contains(t, body, "PERMISSION_DENIED")

	status, body = sign(good, `{"payload":"aGVsbG8=","delegates":["projects/-/serviceAccounts/x@y"]}`, true)
	require.Equal(t, http.StatusForbidden, status, "no delegation chain: %s", body)

	for _, bad := range []string{`{"payload":"not base64!"}`, `{"payload":""}`, `{"bytesToSign":"aGVsbG8="}`, `not json`} {
		status, body = sign(good, bad, true)
		require.Equal(t, http.StatusBadRequest, status, "%s: %s", bad, body)
		require.Contains(t, body, "INVALID_ARGUMENT")
	}
	status, _ = sign("/v1/projects/-/serviceAccounts/"+account+":signJwt", payload, true)
	require.Equal(t, http.StatusNotFound, status)
	require.Zero(t, s.Calls(), "nothing was signed")

	status, body = sign(good, payload, true)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `"signedBlob"`)
	require.EqualValues(t, 1, s.Calls())
}
