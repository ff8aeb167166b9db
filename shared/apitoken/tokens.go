package apitoken

import (
	"cmp"
	"context"
	"crypto/subtle"
	"slices"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/scope"
)

// Lifetime bounds.
const (
	// DefaultMaxLifetime is the longest lifetime a token may ask for unless
	// Options.MaxLifetime says otherwise.
	DefaultMaxLifetime = 90 * 24 * time.Hour
	// LimitMaxLifetime is the most Options.MaxLifetime may be set to.
	LimitMaxLifetime = 400 * 24 * time.Hour
	// MinLifetime is the shortest lifetime a token may have.
	MinLifetime = time.Minute
	// MaxNameLen bounds a token's name, in characters.
	MaxNameLen = 100
	// MaxChainDepth bounds how many API tokens may stand between a token
	// and the ID token its first ancestor was created with: a token minted
	// by a token minted by ... at most this deep.
	MaxChainDepth = 8
)

// Info is what may be shown of a stored token: never its value. It is
// the wire form of GET /tokens (shared/client decodes it too).
type Info struct {
	ID        ids.TokenID `json:"id"`
	Name      string      `json:"name"`
	Scopes    []string    `json:"scopes"`
	CreatedAt time.Time   `json:"createdAt"`
	ExpiresAt time.Time   `json:"expiresAt"`
	Revoked   bool        `json:"revoked"`
	RevokedAt *time.Time  `json:"revokedAt,omitempty"`
	// ParentID is the token this one was created with; empty for a token
	// created with an ID token. A token is revoked with its parent.
	ParentID ids.TokenID `json:"parentId,omitempty"`
}

// Spec is what Create makes a token from.
type Spec struct {
	Owner  ids.UserID
	Name   string
	Scopes []string
	// Lifetime is how long the token lives: MinLifetime..the max lifetime.
	Lifetime time.Duration
	// MaxLifetime, when set, lowers the maximum of Tokens for this call.
	MaxLifetime time.Duration
	// Parent is the id of the API token the new one is created with, ""
	// when it is created with an ID token. The new token expires at the
	// latest with its parent and dies when any of its ancestors is revoked
	// or expires.
	Parent ids.TokenID
}

// Shown is the answer of POST /tokens, the only one that carries the
// token's value (shared/client decodes it too). Token is a secret: print
// it once, never log it.
type Shown struct {
	Token     string      `json:"token"`
	ID        ids.TokenID `json:"id"`
	Name      string      `json:"name"`
	Scopes    []string    `json:"scopes"`
	ExpiresAt time.Time   `json:"expiresAt"`
}

// Shown is c as POST /tokens answers it.
func (c Created) Shown() Shown {
	return Shown{Token: c.Token, ID: c.ID, Name: c.Name, Scopes: c.Scopes, ExpiresAt: c.ExpiresAt}
}

// Created is a new token: its value, shown once, and its Info.
type Created struct {
	Token string
	Info
}

// Options configure Tokens.
type Options struct {
	// MaxLifetime is the longest lifetime a token may have:
	// DefaultMaxLifetime when zero, at most LimitMaxLifetime.
	MaxLifetime time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Masker receives every created token; when nil, the token is
	// registered in the creating request's scope (logging.RegisterSecret).
	Masker *logging.Masker
}

// Tokens creates, lists, revokes and verifies API tokens kept in a Store:
// the rules of a token (its form, scopes, lifetime, chain and hash) are
// here, whatever keeps the records. It implements identity.Verifier.
type Tokens struct {
	store  Store
	max    time.Duration
	now    func() time.Time
	masker *logging.Masker
}

var _ identity.Verifier = (*Tokens)(nil)

// New returns Tokens kept in store.
func New(store Store, opts Options) *Tokens {
	t := &Tokens{store: store, max: opts.MaxLifetime, now: opts.Now, masker: opts.Masker}
	if t.max <= 0 {
		t.max = DefaultMaxLifetime
	}
	t.max = min(t.max, LimitMaxLifetime)
	if t.now == nil {
		t.now = time.Now
	}
	return t
}

// MaxLifetime is the longest token lifetime.
func (t *Tokens) MaxLifetime() time.Duration { return t.max }

func (t *Tokens) clock() time.Time { return t.now().UTC().Truncate(time.Microsecond) }

// CheckName validates a token name as a label (ids.CheckLabel):
// 1..MaxNameLen characters of valid UTF-8 without control, bidirectional
// formatting or line separator characters.
func CheckName(name string) error { return ids.CheckLabel("name", name, MaxNameLen) }

// CheckLifetime validates a lifetime against max.
func CheckLifetime(d, max time.Duration) error {
	if d < MinLifetime {
		return apperr.E(apperr.Invalid, "lifetime must be at least %d seconds", int(MinLifetime/time.Second))
	}
	if d > max {
		return apperr.E(apperr.Invalid, "lifetime must be at most %d seconds (%d days)", int64(max/time.Second), int64(max/(24*time.Hour)))
	}
	return nil
}

// Create validates spec, stores a new token and returns it. Its value is
// registered with the masker and never stored. A token created with another
// (spec.Parent) expires at the latest with it and records its ancestry, so
// that revoking any ancestor revokes it too.
func (t *Tokens) Create(ctx context.Context, spec Spec) (Created, error) {
	if spec.Owner == "" {
		return Created{}, apperr.E(apperr.Invalid, "a token needs an owner")
	}
	if err := CheckName(spec.Name); err != nil {
		return Created{}, err
	}
	scopes, err := scope.ParseList(spec.Scopes)
	if err != nil {
		return Created{}, err
	}
	max := t.max
	if spec.MaxLifetime > 0 {
		max = min(max, spec.MaxLifetime)
	}
	if err := CheckLifetime(spec.Lifetime, max); err != nil {
		return Created{}, err
	}
	now := t.clock()
	expires := now.Add(spec.Lifetime)
	var ancestors []string
	if spec.Parent != "" {
		parent, err := t.parent(ctx, spec.Owner, spec.Parent, now)
		if err != nil {
			return Created{}, err
		}
		if parent.ExpiresAt.Before(expires) {
			expires = parent.ExpiresAt // a child never outlives its parent
		}
		ancestors = append(slices.Clip(parent.Ancestors), parent.Prefix)
	}
	for range 3 {
		token, prefix := generate()
		rec := Record{
			ID: ids.NewTokenID(), Owner: spec.Owner, Name: spec.Name, Scopes: scopes,
			Prefix: prefix, Hash: hashToken(token), CreatedAt: now, ExpiresAt: expires,
			Parent: spec.Parent, Ancestors: ancestors,
		}
		err := t.store.Add(ctx, &rec)
		if apperr.CodeOf(err) == apperr.Conflict {
			continue // a prefix collision: 60 bits make it all but impossible
		}
		if err != nil {
			return Created{}, err
		}
		if t.masker != nil {
			t.masker.Register(token)
		} else {
			logging.RegisterSecret(ctx, token)
		}
		return Created{Token: token, Info: rec.Info()}, nil
	}
	return Created{}, apperr.E(apperr.Internal, "could not allocate a token prefix")
}

// parent reads the token id that a new token of owner is created with: it
// must be owner's, unrevoked and unexpired, and not too deep a descendant.
func (t *Tokens) parent(ctx context.Context, owner ids.UserID, id ids.TokenID, now time.Time) (*Record, error) {
	var rec *Record
	if _, err := ids.ParseTokenID(string(id)); err == nil {
		found, err := t.store.Find(ctx, id)
		if err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return nil, err
		}
		rec = found
	}
	switch {
	case rec == nil || rec.Owner != owner:
		return nil, apperr.E(apperr.Unauthenticated, "valet API token %s is not valid", id)
	case rec.RevokedAt != nil:
		return nil, apperr.E(apperr.Unauthenticated, "valet API token %s has been revoked", id)
	case !now.Before(rec.ExpiresAt):
		return nil, apperr.E(apperr.Unauthenticated, "valet API token %s has expired; create a new one", id)
	case len(rec.Ancestors) >= MaxChainDepth:
		return nil, apperr.E(apperr.Invalid, "token %s descends from %d tokens already: create the new token with an ID token or a token nearer to one", id, len(rec.Ancestors))
	}
	return rec, nil
}

// List returns owner's tokens, newest first, revoked ones included. A token
// whose ancestor is revoked is shown revoked, since it is refused.
func (t *Tokens) List(ctx context.Context, owner ids.UserID) ([]Info, error) {
	recs, err := t.store.List(ctx, owner)
	if err != nil {
		return nil, err
	}
	byPrefix := make(map[string]*Record, len(recs))
	for i := range recs {
		byPrefix[recs[i].Prefix] = &recs[i]
	}
	out := make([]Info, 0, len(recs))
	for i := range recs {
		info := recs[i].Info()
		for _, a := range recs[i].Ancestors {
			if anc := byPrefix[a]; anc != nil && anc.RevokedAt != nil && !info.Revoked {
				info.Revoked, info.RevokedAt = true, anc.RevokedAt
			}
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b Info) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Revoke revokes owner's token id at once, and with it every token created
// with it, directly or not (Verify checks a token's ancestors). A token of
// another owner, or none, is NotFound; revoking twice is not an error.
func (t *Tokens) Revoke(ctx context.Context, owner ids.UserID, id ids.TokenID) error {
	if _, err := ids.ParseTokenID(string(id)); err != nil {
		return apperr.E(apperr.NotFound, "token %s not found", id)
	}
	return t.store.Revoke(ctx, owner, id, t.clock())
}

// Verify checks a raw valet API token: its form, its hash, and that it is
// neither revoked nor expired, nor any token it was created with. It
// returns the owner as a user principal with the token's scopes.
func (t *Tokens) Verify(ctx context.Context, raw string) (identity.Principal, error) {
	prefix, err := ParseToken(raw)
	if err != nil {
		return identity.Principal{}, err
	}
	invalid := apperr.E(apperr.Unauthenticated, "valet API token is not valid")
	rec, err := t.store.Get(ctx, prefix)
	if apperr.CodeOf(err) == apperr.NotFound {
		return identity.Principal{}, invalid
	}
	if err != nil {
		return identity.Principal{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(raw)), []byte(rec.Hash)) != 1 {
		return identity.Principal{}, invalid
	}
	if rec.RevokedAt != nil {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "valet API token %s has been revoked", rec.ID)
	}
	if !t.now().Before(rec.ExpiresAt) {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "valet API token %s has expired; create a new one", rec.ID)
	}
	if err := t.checkAncestors(ctx, rec); err != nil {
		return identity.Principal{}, err
	}
	return identity.Principal{Kind: identity.User, ID: string(rec.Owner), Scopes: slices.Sorted(slices.Values(rec.Scopes)), TokenID: string(rec.ID)}, nil
}

// checkAncestors refuses a token one of whose ancestors is gone, revoked or
// expired: revoking a token revokes what it minted, however deep, with one
// batched read per verification of a minted token (none for the others).
func (t *Tokens) checkAncestors(ctx context.Context, rec *Record) error {
	if len(rec.Ancestors) == 0 {
		return nil
	}
	if len(rec.Ancestors) > MaxChainDepth {
		return apperr.E(apperr.Unauthenticated, "valet API token %s is not valid", rec.ID)
	}
	ancestors, err := t.store.GetAll(ctx, rec.Ancestors)
	if err != nil {
		return err
	}
	for _, anc := range ancestors {
		if anc == nil || anc.Owner != rec.Owner {
			return apperr.E(apperr.Unauthenticated, "valet API token %s is not valid: a token it was created with is gone", rec.ID)
		}
		if anc.RevokedAt != nil {
			return apperr.E(apperr.Unauthenticated, "valet API token %s has been revoked with %s, the token it was created with", rec.ID, anc.ID)
		}
		if !t.now().Before(anc.ExpiresAt) {
			return apperr.E(apperr.Unauthenticated, "valet API token %s has expired with %s, the token it was created with", rec.ID, anc.ID)
		}
	}
	return nil
}
