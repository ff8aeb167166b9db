package gate

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/testenv"
)

// conformanceVector is one signingV4Tests entry of Google's
// v4_signatures.json, the fields the gate needs.
type conformanceVector struct {
	Description              string            `json:"description"`
	Method                   string            `json:"method"`
	Expiration               int64             `json:"expiration"`
	Timestamp                time.Time         `json:"timestamp"`
	Headers                  map[string]string `json:"headers"`
	ExpectedURL              string            `json:"expectedUrl"`
	ExpectedCanonicalRequest string            `json:"expectedCanonicalRequest"`
}

// conformanceDir finds internal/test/conformance in the storage module.
func conformanceDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "cloud.google.com/go/storage").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		testenv.Missing(t, "cannot locate cloud.google.com/go/storage with `go list -m`: the V4 conformance vectors are unavailable")
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "internal", "test", "conformance")
	if _, err := os.Stat(filepath.Join(dir, "v4_signatures.json")); err != nil {
		testenv.Missing(t, "v4_signatures.json is not in "+dir)
	}
	return dir
}

func loadConformance(t *testing.T) (email string, key *rsa.PublicKey, vectors []conformanceVector) {
	t.Helper()
	dir := conformanceDir(t)

	raw, err := os.ReadFile(filepath.Join(dir, "service-account"))
	require.NoError(t, err)
	var account struct {
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
	}
	require.NoError(t, json.Unmarshal(raw, &account))
	block, _ := pem.Decode([]byte(account.PrivateKey))
	require.NotNil(t, block, "service-account private_key is not PEM")
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	priv, ok := parsed.(*rsa.PrivateKey)
	require.True(t, ok, "service-account key is not RSA")

	raw, err = os.ReadFile(filepath.Join(dir, "v4_signatures.json"))
	require.NoError(t, err)
	var file struct {
		SigningV4Tests []conformanceVector `json:"signingV4Tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.SigningV4Tests)
	return account.ClientEmail, &priv.PublicKey, file.SigningV4Tests
}

// vectorRequest is the request a client sends for the vector's URL.
func vectorRequest(t *testing.T, v conformanceVector) Request {
	t.Helper()
	u, err := url.Parse(v.ExpectedURL)
	require.NoError(t, err)
	h := http.Header{}
	for k, val := range v.Headers {
		h.Add(k, val)
	}
	return Request{Method: v.Method, Host: u.Host, EscapedPath: u.EscapedPath(), RawQuery: u.RawQuery, Header: h}
}

// TestConformanceVectorsVerify runs every signingV4Tests vector Google ships
// with the storage module through the verifier, at the vector's timestamp.
func TestConformanceVectorsVerify(t *testing.T) {
	email, key, vectors := loadConformance(t)
	verified := 0
	for _, v := range vectors {
		t.Run(v.Description, func(t *testing.T) {
			at := v.Timestamp
			verifier := &Verifier{Keys: map[string]*rsa.PublicKey{email: key}, Now: func() time.Time { return at }}
			req := vectorRequest(t, v)

			grant, err := verifier.VerifySignature(req)
			require.NoError(t, err)
			require.Equal(t, email, grant.Email)
			require.Equal(t, at.Add(time.Duration(v.Expiration)*time.Second), grant.ExpiresAt)
			verified++

			// The same URL one second before expiry passes, at expiry it is refused.
			at = v.Timestamp.Add(time.Duration(v.Expiration)*time.Second - time.Second)
			_, err = verifier.VerifySignature(req)
			require.NoError(t, err)
			at = v.Timestamp.Add(time.Duration(v.Expiration) * time.Second)
			_, err = verifier.VerifySignature(req)
			require.Equal(t, CodeExpiredToken, ErrorCode(err))

			// Another method does not verify, and the error names the signed one.
			at = v.Timestamp
			other := req
			other.Method = http.MethodDelete
			_, err = verifier.VerifySignature(other)
			require.Equal(t, CodeSignatureDoesNotMatch, ErrorCode(err))
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Contains(t, e.Details, "signed for "+v.Method)

			// The signed-payload vector signs x-goog-content-sha256
			// 2cf2...938b982, the SHA-256 of "hello" missing its last digit:
			// the signature verifies, the body "hello" does not.
			if _, ok := v.Headers["X-Goog-Content-SHA256"]; ok {
				r, err := http.NewRequest(v.Method, v.ExpectedURL, strings.NewReader("hello"))
				require.NoError(t, err)
				for k, val := range v.Headers {
					r.Header.Set(k, val)
				}
				require.Equal(t, CodeBadDigest, ErrorCode(verifier.Verify(r, []byte("hello"))))
			}
		})
	}
	t.Logf("%d of %d V4 conformance vectors verified", verified, len(vectors))
	require.Equal(t, len(vectors), verified)
}
