// Package tokentest is the conformance suite of apitoken.Store: every
// implementation runs Run against its backend (an emulator in tests) so
// they all honour the same contract: a lookup prefix is taken once, a
// revocation is read and written in one step and never moves, and the
// rules of apitoken.Tokens (verification, expiry, chains, revocation of
// what a token minted) hold over it. It has no cloud imports.
package tokentest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/storetest"
)

// Run runs the conformance suite. newStore is called once per subtest; the
// subtests use owners and prefixes of their own (unique to this process),
// so the store need not be empty, and they do not run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) apitoken.Store) {
	storetest.Run(t, newStore,
		// The store's own contract, then apitoken.Tokens over the store.
		testAddGetFind, testAddRefusesATakenPrefix, testGetAllInOrder, testListByOwner, testRevoke, testConcurrentRevokes,
		testTokensLifecycle, testTokensCreateRefuses, testTokensChain)
}

// NewOwner returns a user id no other call returned in this process.
func NewOwner() ids.UserID { return ids.UserID(storetest.Unique("tt-")) }

// newPrefix returns a lookup prefix no other call returned in this
// process (the alphabet of real prefixes, padded to their length).
func newPrefix() string {
	p := strings.NewReplacer("0", "a", "1", "b", "8", "c", "9", "d").Replace(storetest.Unique("p"))
	return (p + strings.Repeat("z", apitoken.PrefixLen))[:apitoken.PrefixLen]
}

// record is a fresh record of owner, created at storetest.T0 and expiring an hour later.
func record(owner ids.UserID) *apitoken.Record {
	return &apitoken.Record{
		ID: ids.NewTokenID(), Owner: owner, Name: "suite", Scopes: []string{"jobs:read"},
		Prefix: newPrefix(), Hash: strings.Repeat("ab", 32), CreatedAt: storetest.T0, ExpiresAt: storetest.T0.Add(time.Hour),
	}
}

func add(t *testing.T, s apitoken.Store, r *apitoken.Record) *apitoken.Record {
	t.Helper()
	require.NoError(t, s.Add(storetest.Context(t), r))
	return r
}

func testAddGetFind(t *testing.T, s apitoken.Store) {
	ctx := storetest.Context(t)
	r := record(NewOwner())
	r.Parent, r.Ancestors = ids.NewTokenID(), []string{newPrefix()}
	add(t, s, r)

	got, err := s.Get(ctx, r.Prefix)
	require.NoError(t, err)
	require.Equal(t, r, got)
	found, err := s.Find(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, r, found)

	_, err = s.Get(ctx, newPrefix())
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
	_, err = s.Find(ctx, ids.NewTokenID())
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
}

func testAddRefusesATakenPrefix(t *testing.T, s apitoken.Store) {
	first := add(t, s, record(NewOwner()))
	second := record(NewOwner())
	second.Prefix = first.Prefix
	err := s.Add(storetest.Context(t), second)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "%v", err)
	got, err := s.Get(storetest.Context(t), first.Prefix)
	require.NoError(t, err)
	require.Equal(t, first, got, "the first record stands")
}

func testGetAllInOrder(t *testing.T, s apitoken.Store) {
	owner := NewOwner()
	a, b := add(t, s, record(owner)), add(t, s, record(owner))
	got, err := s.GetAll(storetest.Context(t), []string{b.Prefix, newPrefix(), a.Prefix})
	require.NoError(t, err)
	require.Equal(t, []*apitoken.Record{b, nil, a}, got)
	none, err := s.GetAll(storetest.Context(t), nil)
	require.NoError(t, err)
	require.Empty(t, none)
}

func testListByOwner(t *testing.T, s apitoken.Store) {
	alice, bob := NewOwner(), NewOwner()
	a1, a2 := add(t, s, record(alice)), add(t, s, record(alice))
	add(t, s, record(bob))
	got, err := s.List(storetest.Context(t), alice)
	require.NoError(t, err)
	require.ElementsMatch(t, []apitoken.Record{*a1, *a2}, got)
	none, err := s.List(storetest.Context(t), NewOwner())
	require.NoError(t, err)
	require.Empty(t, none)
}

func testRevoke(t *testing.T, s apitoken.Store) {
	ctx := storetest.Context(t)
	r := add(t, s, record(NewOwner()))
	for name, err := range map[string]error{
		"another owner's": s.Revoke(ctx, NewOwner(), r.ID, storetest.T0),
		"unknown":         s.Revoke(ctx, r.Owner, ids.NewTokenID(), storetest.T0),
	} {
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%s: %v", name, err)
	}
	got, err := s.Get(ctx, r.Prefix)
	require.NoError(t, err)
	require.Nil(t, got.RevokedAt)

	at := storetest.T0.Add(time.Minute)
	require.NoError(t, s.Revoke(ctx, r.Owner, r.ID, at))
	require.NoError(t, s.Revoke(ctx, r.Owner, r.ID, at.Add(time.Minute)), "revoking twice is fine")
	got, err = s.Get(ctx, r.Prefix)
	require.NoError(t, err)
	require.NotNil(t, got.RevokedAt)
	require.True(t, at.Equal(*got.RevokedAt), "the first revocation's time stays: %v", got.RevokedAt)
}

// testConcurrentRevokes: revokers racing on one token all succeed, and
// one of their times is kept.
func testConcurrentRevokes(t *testing.T, s apitoken.Store) {
	r := add(t, s, record(NewOwner()))
	const n = 4
	for _, err := range storetest.Concurrently(n, func(i int) error {
		return s.Revoke(storetest.Context(t), r.Owner, r.ID, storetest.T0.Add(time.Duration(i+1)*time.Minute))
	}) {
		require.NoError(t, err)
	}
	got, err := s.Get(storetest.Context(t), r.Prefix)
	require.NoError(t, err)
	require.NotNil(t, got.RevokedAt)
	require.False(t, got.RevokedAt.Before(storetest.T0.Add(time.Minute)) || got.RevokedAt.After(storetest.T0.Add(n*time.Minute)), "%v", got.RevokedAt)
}

// clock is a settable clock, starting now.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

// tokens returns apitoken.Tokens over s with a settable clock and a
// masker of their own.
func tokens(s apitoken.Store, opts apitoken.Options) (*apitoken.Tokens, *clock, *logging.Masker) {
	c, m := &clock{}, logging.NewMasker()
	opts.Now, opts.Masker = c.now, m
	return apitoken.New(s, opts), c, m
}

// wellFormed returns a token of valid form that was never created.
func wellFormed(prefix string) string {
	var secret [32]byte
	_, _ = rand.Read(secret[:]) // crypto/rand.Read never fails
	return identity.APITokenPrefix + prefix + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
}

func requireUnauth(t *testing.T, err error, msg string) {
	t.Helper()
	require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), msg)
}

func testTokensLifecycle(t *testing.T, s apitoken.Store) {
	tk, clk, masker := tokens(s, apitoken.Options{})
	ctx := storetest.Context(t)
	alice, bob := NewOwner(), NewOwner()

	c, err := tk.Create(ctx, apitoken.Spec{Owner: alice, Name: "ci", Scopes: []string{"objects:read", "jobs:write"}, Lifetime: time.Hour})
	require.NoError(t, err)
	require.Equal(t, []string{"jobs:write", "objects:read"}, c.Scopes)
	require.Equal(t, logging.Redacted, masker.Mask(c.Token), "the token is registered with the masker")

	p, err := tk.Verify(ctx, c.Token)
	require.NoError(t, err)
	require.Equal(t, identity.Principal{Kind: identity.User, ID: string(alice), Scopes: []string{"jobs:write", "objects:read"}, TokenID: string(c.ID)}, p)

	// The record holds no form of the token but its hash.
	prefix, err := apitoken.ParseToken(c.Token)
	require.NoError(t, err)
	rec, err := s.Get(ctx, prefix)
	require.NoError(t, err)
	secret := c.Token[len(c.Token)-apitoken.SecretLen:]
	require.NotContains(t, fmt.Sprintf("%#v", rec), secret)
	require.Equal(t, c.ID, rec.ID)

	// Tampered: same prefix, another secret. Unknown: another prefix.
	_, err = tk.Verify(ctx, wellFormed(prefix))
	requireUnauth(t, err, "not valid")
	_, err = tk.Verify(ctx, wellFormed(newPrefix()))
	requireUnauth(t, err, "not valid")

	// Another owner cannot revoke it; nor can anyone revoke a bad id.
	require.Equal(t, apperr.NotFound, apperr.CodeOf(tk.Revoke(ctx, bob, c.ID)))
	require.Equal(t, apperr.NotFound, apperr.CodeOf(tk.Revoke(ctx, alice, "nope")))
	_, err = tk.Verify(ctx, c.Token)
	require.NoError(t, err)

	list, err := tk.List(ctx, alice)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.False(t, list[0].Revoked)
	bobs, err := tk.List(ctx, bob)
	require.NoError(t, err)
	require.Empty(t, bobs)

	require.NoError(t, tk.Revoke(ctx, alice, c.ID))
	require.NoError(t, tk.Revoke(ctx, alice, c.ID), "revoking twice is fine")
	_, err = tk.Verify(ctx, c.Token)
	requireUnauth(t, err, "revoked")
	list, err = tk.List(ctx, alice)
	require.NoError(t, err)
	require.True(t, list[0].Revoked)

	// Expiry.
	c2, err := tk.Create(ctx, apitoken.Spec{Owner: alice, Name: "short", Scopes: identity.AllScopes, Lifetime: time.Minute})
	require.NoError(t, err)
	_, err = tk.Verify(ctx, c2.Token)
	require.NoError(t, err)
	clk.advance(time.Minute)
	_, err = tk.Verify(ctx, c2.Token)
	requireUnauth(t, err, "expired")

	list, err = tk.List(ctx, alice)
	require.NoError(t, err)
	require.Equal(t, []ids.TokenID{c2.ID, c.ID}, []ids.TokenID{list[0].ID, list[1].ID}, "newest first")
}

func testTokensCreateRefuses(t *testing.T, s apitoken.Store) {
	require.Equal(t, apitoken.LimitMaxLifetime, apitoken.New(s, apitoken.Options{MaxLifetime: 1000 * 24 * time.Hour}).MaxLifetime())
	tk := apitoken.New(s, apitoken.Options{})
	require.Equal(t, apitoken.DefaultMaxLifetime, tk.MaxLifetime())
	ok := apitoken.Spec{Owner: NewOwner(), Name: "n", Scopes: []string{"jobs:read"}, Lifetime: time.Hour}
	for name, tc := range map[string]struct {
		mod func(*apitoken.Spec)
		msg string
	}{
		"no owner":      {func(s *apitoken.Spec) { s.Owner = "" }, "owner"},
		"empty name":    {func(s *apitoken.Spec) { s.Name = " " }, "name is required"},
		"long name":     {func(s *apitoken.Spec) { s.Name = strings.Repeat("é", apitoken.MaxNameLen+1) }, "longer than 100"},
		"control name":  {func(s *apitoken.Spec) { s.Name = "a\nb" }, "control"},
		"bad scope":     {func(s *apitoken.Spec) { s.Scopes = []string{"root"} }, "unknown scope"},
		"too short":     {func(s *apitoken.Spec) { s.Lifetime = 59 * time.Second }, "at least 60 seconds"},
		"too long":      {func(s *apitoken.Spec) { s.Lifetime = apitoken.DefaultMaxLifetime + time.Second }, "at most"},
		"over call max": {func(s *apitoken.Spec) { s.MaxLifetime = time.Minute * 30 }, "at most 1800 seconds"},
	} {
		spec := ok
		tc.mod(&spec)
		_, err := tk.Create(storetest.Context(t), spec)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), name)
		require.Contains(t, err.Error(), tc.msg, name)
	}
	list, err := tk.List(storetest.Context(t), ok.Owner)
	require.NoError(t, err)
	require.Empty(t, list, "nothing refused was stored")
	name := strings.Repeat("é", apitoken.MaxNameLen)
	_, err = tk.Create(storetest.Context(t), apitoken.Spec{Owner: NewOwner(), Name: name, Scopes: []string{"jobs:read"}, Lifetime: apitoken.MinLifetime})
	require.NoError(t, err)
}

// testTokensChain: a token created with another expires with it and is
// revoked with any of its ancestors; another owner's token is no parent.
func testTokensChain(t *testing.T, s apitoken.Store) {
	tk, clk, _ := tokens(s, apitoken.Options{})
	ctx := storetest.Context(t)
	alice := NewOwner()
	spec := func(parent ids.TokenID, lifetime time.Duration) apitoken.Spec {
		return apitoken.Spec{Owner: alice, Name: "chain", Scopes: identity.AllScopes, Lifetime: lifetime, Parent: parent}
	}
	root, err := tk.Create(ctx, spec("", time.Hour))
	require.NoError(t, err)
	child, err := tk.Create(ctx, spec(root.ID, 24*time.Hour))
	require.NoError(t, err)
	require.Equal(t, root.ExpiresAt, child.ExpiresAt, "a child never outlives its parent")
	require.Equal(t, root.ID, child.ParentID)
	grandchild, err := tk.Create(ctx, spec(child.ID, time.Hour))
	require.NoError(t, err)

	_, err = tk.Create(ctx, apitoken.Spec{Owner: NewOwner(), Name: "x", Scopes: identity.AllScopes, Lifetime: time.Hour, Parent: root.ID})
	requireUnauth(t, err, "not valid")

	require.NoError(t, tk.Revoke(ctx, alice, child.ID))
	_, err = tk.Verify(ctx, grandchild.Token)
	requireUnauth(t, err, "revoked with "+string(child.ID))
	_, err = tk.Verify(ctx, root.Token)
	require.NoError(t, err, "revoking a child leaves its parent")
	list, err := tk.List(ctx, alice)
	require.NoError(t, err)
	for _, info := range list {
		require.Equal(t, info.ID != root.ID, info.Revoked, "%s", info.ID)
	}
	_, err = tk.Create(ctx, spec(child.ID, time.Hour))
	requireUnauth(t, err, "revoked")

	other, err := tk.Create(ctx, spec(root.ID, time.Hour))
	require.NoError(t, err)
	clk.advance(time.Hour)
	_, err = tk.Verify(ctx, other.Token)
	requireUnauth(t, err, "expired")
}
