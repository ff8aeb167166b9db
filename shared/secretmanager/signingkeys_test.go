package secretmanager_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	emulator "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/secretmanager"
)

// coldKeys starts an emulator holding one signing key version (rotated
// in by another instance) and returns keys on clock now that have read
// nothing yet.
func coldKeys(t *testing.T, now func() time.Time) (*secretmanager.SigningKeys, *emulator.Running) {
	e := custodytest.New(t)
	_, err := secretmanager.NewSigningKeys(e.Client, project, "").Rotate(context.Background())
	require.NoError(t, err)
	return secretmanager.NewSigningKeys(e.Client, project, "", secretmanager.WithClock(now)), e.Emulator
}

// forged is a compact ES256 JWS of type typ whose kid names version kid,
// with a random signature.
func forged(t *testing.T, typ string, kid int) string {
	t.Helper()
	sig := make([]byte, 64)
	_, err := rand.Read(sig)
	require.NoError(t, err)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"ES256","typ":"`+typ+`","kid":"`+strconv.Itoa(kid)+`"}`)) + "." + enc([]byte(`{"sub":"x"}`)) + "." + enc(sig)
}

// Verifying tokens that name unknown key versions costs Secret Manager one
// listing a MissTTL, however many arrive and however many callers wait at
// once; a known version costs nothing after the first listing.
func TestUnknownKeyIDsCostOneListing(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	var mu sync.Mutex
	keys, running := coldKeys(t, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	calls := running.Server.TotalCalls

	before := calls()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			var dst map[string]any
			err := keys.Verify(ctx, forged(t, "JWT", 2+i), "JWT", &dst)
			assert.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
		})
	}
	wg.Wait()
	require.Equal(t, int64(2), calls()-before, "50 concurrent misses on a cold store: one listing and one key read")

	before = calls()
	for i := range 100 {
		var dst map[string]any
		require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(keys.Verify(ctx, forged(t, "JWT", 100+i), "JWT", &dst)))
		require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(keys.Verify(ctx, forged(t, "JWT", 1), "JWT", &dst)), "a known kid, a bad signature")
		_, err := keys.JWKS(ctx)
		require.NoError(t, err)
	}
	require.Zero(t, calls()-before, "misses, known kids and the JWKS come from the cache")

	mu.Lock()
	now = now.Add(secretmanager.KeyMissTTL)
	mu.Unlock()
	before = calls()
	for i := range 100 {
		var dst map[string]any
		require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(keys.Verify(ctx, forged(t, "JWT", 300+i), "JWT", &dst)))
	}
	require.Equal(t, int64(1), calls()-before, "after MissTTL a miss relists once")
}

// A failed listing is answered from memory for FailureTTL: an outage or a
// spent quota is not hammered by every waiting request.
func TestFailedListingIsNotRetriedAtOnce(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	keys, running := coldKeys(t, func() time.Time { return now })

	running.Server.FailNext(1)
	before := running.Server.TotalCalls()
	for range 20 {
		_, err := keys.JWKS(ctx)
		require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
	}
	require.LessOrEqual(t, running.Server.TotalCalls()-before, int64(2), "one failing listing (and at most one client retry)")
	now = now.Add(secretmanager.KeyFailureTTL)
	_, err := keys.JWKS(ctx)
	require.NoError(t, err)
}
