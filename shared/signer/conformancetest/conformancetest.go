// Package conformancetest loads Google's V4 signing conformance vectors,
// which ship inside the cloud.google.com/go/storage module
// (internal/test/conformance/v4_signatures.json), with the service account
// that signed them: the signer's tests sign them and the gate's tests
// verify them.
package conformancetest

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/testenv"
)

// Vector is one signingV4Tests entry of v4_signatures.json.
type Vector struct {
	Description              string            `json:"description"`
	Bucket                   string            `json:"bucket"`
	Object                   string            `json:"object"`
	Method                   string            `json:"method"`
	Expiration               int64             `json:"expiration"`
	Timestamp                time.Time         `json:"timestamp"`
	ExpectedURL              string            `json:"expectedUrl"`
	ExpectedCanonicalRequest string            `json:"expectedCanonicalRequest"`
	Scheme                   string            `json:"scheme"`
	Hostname                 string            `json:"hostname"`
	Headers                  map[string]string `json:"headers"`
	QueryParameters          map[string]string `json:"queryParameters"`
	// Set in the vectors that take the URL's form from elsewhere (other
	// URL styles, endpoints taken from a client or the environment).
	URLStyle            string `json:"urlStyle"`
	BucketBoundHostname string `json:"bucketBoundHostname"`
	ClientEndpoint      string `json:"clientEndpoint"`
	EmulatorHostname    string `json:"emulatorHostname"`
	UniverseDomain      string `json:"universeDomain"`
}

// Suite is the vectors and the service account that signed them.
type Suite struct {
	// Email is the account's client_email, the signed URLs' GoogleAccessId.
	Email string
	// PrivateKeyPEM is the account's private_key (PKCS #8, RSA).
	PrivateKeyPEM []byte
	Vectors       []Vector
}

// Load reads the suite from the storage module, skipping the test (failing
// it under CI) when the module cannot be found.
func Load(t testing.TB) Suite {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "cloud.google.com/go/storage").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		testenv.Missing(t, "cannot locate cloud.google.com/go/storage with `go list -m`: the V4 conformance vectors are unavailable")
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "internal", "test", "conformance")
	if _, err := os.Stat(filepath.Join(dir, "v4_signatures.json")); err != nil {
		testenv.Missing(t, "v4_signatures.json is not in "+dir)
	}

	raw, err := os.ReadFile(filepath.Join(dir, "service-account"))
	require.NoError(t, err)
	var account struct {
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
	}
	require.NoError(t, json.Unmarshal(raw, &account))

	raw, err = os.ReadFile(filepath.Join(dir, "v4_signatures.json"))
	require.NoError(t, err)
	var file struct {
		SigningV4Tests []Vector `json:"signingV4Tests"`
	}
	require.NoError(t, json.Unmarshal(raw, &file))
	require.NotEmpty(t, file.SigningV4Tests)
	return Suite{Email: account.ClientEmail, PrivateKeyPEM: []byte(account.PrivateKey), Vectors: file.SigningV4Tests}
}

// PublicKey is the public half of the account's key.
func (s Suite) PublicKey(t testing.TB) *rsa.PublicKey {
	t.Helper()
	block, _ := pem.Decode(s.PrivateKeyPEM)
	require.NotNil(t, block, "service-account private_key is not PEM")
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	priv, ok := parsed.(*rsa.PrivateKey)
	require.True(t, ok, "service-account key is not RSA")
	return &priv.PublicKey
}
