package dispatch_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer/signertest"
)

// barrier lets no caller of wait through until n callers are waiting at
// the same time: calls made one after another never get there and fail
// (after a guard against a hang, not a measure of speed).
type barrier struct {
	n      int32
	asked  atomic.Int32
	all    chan struct{}
	closed sync.Once
}

func newBarrier(n int32) *barrier { return &barrier{n: n, all: make(chan struct{})} }

func (b *barrier) wait(what string) error {
	if b.asked.Add(1) >= b.n {
		b.closed.Do(func() { close(b.all) })
	}
	select {
	case <-b.all:
		return nil
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%s waited alone: the calls of the bundle were made one after another", what)
	}
}

// secretsAt is a custody.Store whose reads of a job's tokens wait at b.
type secretsAt struct {
	custody.Store
	b *barrier
}

func (s secretsAt) Get(ctx context.Context, j *job.Job, kind custody.Kind) (string, error) {
	if err := s.b.wait("reading the " + string(kind) + " token"); err != nil {
		return "", err
	}
	return s.Store.Get(ctx, j, kind)
}

func (s secretsAt) Ensure(ctx context.Context, j *job.Job, kind custody.Kind, expireAt time.Time, mint func() (string, error)) (string, error) {
	if err := s.b.wait("reading the " + string(kind) + " token"); err != nil {
		return "", err
	}
	return s.Store.Ensure(ctx, j, kind, expireAt, mint)
}

// Deployed, every signed URL is an IAM signBlob round trip and every
// token a Secret Manager round trip, so the auth bundle signs its three
// URLs and reads its runtime and workflow tokens at once: its latency is
// about one signBlob, not five calls in a row. The signer and the secret
// store here let no call through until all five are being made at the
// same time; making them one after another never gets there (before, the
// first signature waited out the guard and the bundle was a 500).
func TestAuthMakesItsBundleAtOnce(t *testing.T) {
	b := newBarrier(5)
	var signed atomic.Int32
	signWithKey := keySigner(t)
	sign := func(blob []byte) ([]byte, error) {
		signed.Add(1)
		if err := b.wait("a URL's signature"); err != nil {
			return nil, err
		}
		return signWithKey(blob)
	}
	e := newEnvFrom(t, envOptions{sign: sign, secrets: func(s custody.Store) custody.Store { return secretsAt{Store: s, b: b} }})
	q, c := e.claimedJob(t)
	e.auth(t, q.ID, c.Lock.Epoch)
	require.EqualValues(t, 3, signed.Load(), "one signature per URL of the bundle")
	require.EqualValues(t, 5, b.asked.Load(), "three signatures and two tokens")
}

// keySigner signs as signBlob does, with the test key.
func keySigner(t testing.TB) func([]byte) ([]byte, error) {
	block, _ := pem.Decode(signertest.KeyPEM())
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	key := parsed.(*rsa.PrivateKey)
	return func(blob []byte) ([]byte, error) {
		sum := sha256.Sum256(blob)
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	}
}
