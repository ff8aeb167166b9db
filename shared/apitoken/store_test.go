package apitoken

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/scope"
)

// testClock is a settable clock.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

func newTestStore(t *testing.T) (*Store, *testClock, *logging.Masker) {
	clock := &testClock{}
	masker := logging.NewMasker()
	return NewStore(firestoretest.New(t), Options{Now: clock.now, Masker: masker}), clock, masker
}

func owner() string { return "u-" + strings.ToLower(rand.Text()[:10]) }

func requireUnauth(t *testing.T, err error, msg string) {
	t.Helper()
	require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), msg)
}

func TestStoreLifecycle(t *testing.T) {
	s, clock, masker := newTestStore(t)
	ctx := context.Background()
	alice, bob := owner(), owner()

	c, err := s.Create(ctx, Spec{Owner: alice, Name: "ci", Scopes: []string{scope.ObjectsRead, scope.JobsWrite}, Lifetime: time.Hour})
	require.NoError(t, err)
	require.Equal(t, []string{scope.JobsWrite, scope.ObjectsRead}, c.Scopes)
	require.Equal(t, logging.Redacted, masker.Mask(c.Token), "the token is registered with the masker")

	p, err := s.Verify(ctx, c.Token)
	require.NoError(t, err)
	require.Equal(t, identity.Principal{Kind: identity.User, ID: alice, Scopes: []string{scope.JobsWrite, scope.ObjectsRead}, TokenID: c.ID}, p)

	// The stored document holds no form of the token.
	prefix, err := ParseToken(c.Token)
	require.NoError(t, err)
	doc, err := s.client.Collection(Collection).Doc(prefix).Get(ctx)
	require.NoError(t, err)
	raw := fmt.Sprintf("%#v", doc.Data())
	secret := c.Token[len(c.Token)-SecretLen:]
	secretBytes, err := base64.RawURLEncoding.DecodeString(secret)
	require.NoError(t, err)
	for _, form := range []string{c.Token, secret, base64.StdEncoding.EncodeToString([]byte(c.Token)), hex.EncodeToString([]byte(c.Token)),
		base64.StdEncoding.EncodeToString(secretBytes), hex.EncodeToString(secretBytes), base64.RawStdEncoding.EncodeToString(secretBytes)} {
		require.NotContains(t, raw, form)
	}
	require.Equal(t, c.ID, doc.Data()["id"])

	// Tampered: same prefix, another secret.
	other, _ := generate()
	_, err = s.Verify(ctx, c.Token[:len(c.Token)-SecretLen]+other[len(other)-SecretLen:])
	requireUnauth(t, err, "not valid")
	// Unknown prefix.
	_, err = s.Verify(ctx, other)
	requireUnauth(t, err, "not valid")

	// Another owner cannot revoke it; nor can anyone revoke a bad id.
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.Revoke(ctx, bob, c.ID)))
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.Revoke(ctx, alice, "nope")))
	_, err = s.Verify(ctx, c.Token)
	require.NoError(t, err)

	list, err := s.List(ctx, alice)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.False(t, list[0].Revoked)
	bobs, err := s.List(ctx, bob)
	require.NoError(t, err)
	require.Empty(t, bobs)

	require.NoError(t, s.Revoke(ctx, alice, c.ID))
	require.NoError(t, s.Revoke(ctx, alice, c.ID), "revoking twice is fine")
	_, err = s.Verify(ctx, c.Token)
	requireUnauth(t, err, "revoked")
	list, err = s.List(ctx, alice)
	require.NoError(t, err)
	require.True(t, list[0].Revoked)

	// Expiry.
	c2, err := s.Create(ctx, Spec{Owner: alice, Name: "short", Scopes: identity.AllScopes, Lifetime: time.Minute})
	require.NoError(t, err)
	_, err = s.Verify(ctx, c2.Token)
	require.NoError(t, err)
	clock.advance(time.Minute)
	_, err = s.Verify(ctx, c2.Token)
	requireUnauth(t, err, "expired")

	list, err = s.List(ctx, alice)
	require.NoError(t, err)
	require.Equal(t, []string{c2.ID, c.ID}, []string{list[0].ID, list[1].ID}, "newest first")
}

func TestStoreCreateRefuses(t *testing.T) {
	s := NewStore(firestoretest.New(t), Options{MaxLifetime: 1000 * 24 * time.Hour})
	require.Equal(t, LimitMaxLifetime, s.MaxLifetime())
	s = NewStore(firestoretest.New(t), Options{})
	require.Equal(t, DefaultMaxLifetime, s.MaxLifetime())
	ok := Spec{Owner: owner(), Name: "n", Scopes: []string{scope.JobsRead}, Lifetime: time.Hour}
	for name, tc := range map[string]struct {
		mod func(*Spec)
		msg string
	}{
		"no owner":      {func(s *Spec) { s.Owner = "" }, "owner"},
		"empty name":    {func(s *Spec) { s.Name = " " }, "name is required"},
		"long name":     {func(s *Spec) { s.Name = strings.Repeat("é", MaxNameLen+1) }, "longer than 100"},
		"control name":  {func(s *Spec) { s.Name = "a\nb" }, "control"},
		"bad scope":     {func(s *Spec) { s.Scopes = []string{"root"} }, "unknown scope"},
		"too short":     {func(s *Spec) { s.Lifetime = 59 * time.Second }, "at least 60 seconds"},
		"too long":      {func(s *Spec) { s.Lifetime = DefaultMaxLifetime + time.Second }, "at most"},
		"over call max": {func(s *Spec) { s.MaxLifetime = time.Minute * 30 }, "at most 1800 seconds"},
	} {
		t.Run(name, func(t *testing.T) {
			spec := ok
			tc.mod(&spec)
			_, err := s.Create(context.Background(), spec)
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	name := strings.Repeat("é", MaxNameLen)
	_, err := s.Create(context.Background(), Spec{Owner: owner(), Name: name, Scopes: []string{scope.JobsRead}, Lifetime: MinLifetime})
	require.NoError(t, err)
}
