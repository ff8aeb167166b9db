// Package signertest builds the V4 URL signer tests sign with: a real
// signer.Signer over an RSA key made once per test binary, pointing at an
// address nothing listens on unless the test says otherwise.
package signertest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
	"testing"

	"valet.dev/valet/shared/signer"
)

// GoogleAccessID is the service account the test signer signs as.
const GoogleAccessID = "valet-signer@test.iam.gserviceaccount.com"

var (
	keyOnce sync.Once
	keyPEM  []byte
)

// KeyPEM is a PEM (PKCS #8) RSA private key, the same for the whole test
// binary: generating one per test would cost seconds.
func KeyPEM() []byte {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	})
	return keyPEM
}

// New returns a signer over KeyPEM whose URLs point at http://127.0.0.1:1.
func New(t testing.TB) *signer.Signer {
	t.Helper()
	return NewWith(t, signer.Options{Hostname: "127.0.0.1:1", Insecure: true})
}

// NewWith returns a signer over KeyPEM with opts (GoogleAccessID and
// PrivateKey filled in when unset).
func NewWith(t testing.TB, opts signer.Options) *signer.Signer {
	t.Helper()
	if opts.GoogleAccessID == "" {
		opts.GoogleAccessID = GoogleAccessID
	}
	if opts.PrivateKey == nil {
		opts.PrivateKey = KeyPEM()
	}
	s, err := signer.New(opts)
	if err != nil {
		t.Fatalf("signertest: %v", err)
	}
	return s
}
