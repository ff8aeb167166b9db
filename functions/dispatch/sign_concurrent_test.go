package dispatch_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/signer/signertest"
)

// Deployed, every signed URL is an IAM signBlob round trip, so the auth
// bundle signs its three URLs at once: its latency is about one signBlob,
// not three in a row. The signer here lets no signature through until all
// three are being asked for at the same time; signing them one after
// another never gets there (before, the first signature waited out the
// guard and the bundle was a 500).
func TestAuthSignsItsURLsAtOnce(t *testing.T) {
	block, _ := pem.Decode(signertest.KeyPEM())
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	key := parsed.(*rsa.PrivateKey)

	var asked atomic.Int32
	allAsked := make(chan struct{})
	var once sync.Once
	sign := func(b []byte) ([]byte, error) {
		if asked.Add(1) >= 3 {
			once.Do(func() { close(allAsked) })
		}
		select {
		case <-allAsked:
		case <-time.After(30 * time.Second): // a guard against a hang, not a measure of speed
			return nil, errors.New("the bundle's URLs were signed one after another")
		}
		sum := sha256.Sum256(b)
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	}
	e := newEnvSigning(t, nil, sign)
	q, c := e.claimedJob(t)
	e.auth(t, q.ID, c.Lock.Epoch)
	require.EqualValues(t, 3, asked.Load(), "one signature per URL of the bundle")
}
