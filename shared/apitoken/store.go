package apitoken

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/schema"
	"valet.dev/valet/shared/scope"
)

// Collection is the Firestore collection of token documents, keyed by
// lookup prefix.
const Collection = "apiTokens"

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

// Info is what may be shown of a stored token: never its value.
type Info struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	Revoked   bool       `json:"revoked"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	// ParentID is the token this one was created with; empty for a token
	// created with an ID token. A token is revoked with its parent.
	ParentID string `json:"parentId,omitempty"`
}

// Spec is what Create makes a token from.
type Spec struct {
	Owner  string
	Name   string
	Scopes []string
	// Lifetime is how long the token lives: MinLifetime..the max lifetime.
	Lifetime time.Duration
	// MaxLifetime, when set, lowers the store's maximum for this call.
	MaxLifetime time.Duration
	// Parent is the id of the API token the new one is created with, ""
	// when it is created with an ID token. The new token expires at the
	// latest with its parent and dies when any of its ancestors is revoked
	// or expires.
	Parent string
}

// Created is a new token: its value, shown once, and its Info.
type Created struct {
	Token string
	Info
}

// Options configure a Store.
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

// Store keeps API tokens in Firestore. It implements identity.Verifier.
type Store struct {
	client *firestore.Client
	max    time.Duration
	now    func() time.Time
	masker *logging.Masker
}

var _ identity.Verifier = (*Store)(nil)

// NewStore returns a store over client.
func NewStore(client *firestore.Client, opts Options) *Store {
	s := &Store{client: client, max: opts.MaxLifetime, now: opts.Now, masker: opts.Masker}
	if s.max <= 0 {
		s.max = DefaultMaxLifetime
	}
	s.max = min(s.max, LimitMaxLifetime)
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// MaxLifetime is the store's longest token lifetime.
func (s *Store) MaxLifetime() time.Duration { return s.max }

// record is a token's Firestore document. It never holds the token.
type record struct {
	ID         string     `firestore:"id"`
	Owner      string     `firestore:"owner"`
	Name       string     `firestore:"name"`
	Scopes     []string   `firestore:"scopes"`
	Prefix     string     `firestore:"prefix"`
	Hash       string     `firestore:"hash"`
	CreatedAt  time.Time  `firestore:"createdAt"`
	ExpiresAt  time.Time  `firestore:"expiresAt"`
	RevokedAt  *time.Time `firestore:"revokedAt"`
	LastUsedAt *time.Time `firestore:"lastUsedAt"`
	// Parent is the id of the token this one was created with.
	Parent string `firestore:"parent,omitempty"`
	// Ancestors are the documents (lookup prefixes) of the tokens this one
	// descends from, its root first and its parent last: Verify refuses the
	// token when any of them is gone, revoked or expired.
	Ancestors []string `firestore:"ancestors,omitempty"`
	// SchemaVersion: see package schema.
	SchemaVersion int `firestore:"schemaVersion"`
}

func (r *record) info() Info {
	return Info{ID: r.ID, Name: r.Name, Scopes: r.Scopes, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		Revoked: r.RevokedAt != nil, RevokedAt: r.RevokedAt, ParentID: r.Parent}
}

func (s *Store) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

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
func (s *Store) Create(ctx context.Context, spec Spec) (Created, error) {
	ctx, cancel := valetfs.Bound(ctx, 0) // see valetfs.DefaultCallTimeout
	defer cancel()
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
	max := s.max
	if spec.MaxLifetime > 0 {
		max = min(max, spec.MaxLifetime)
	}
	if err := CheckLifetime(spec.Lifetime, max); err != nil {
		return Created{}, err
	}
	now := s.clock()
	expires := now.Add(spec.Lifetime)
	var ancestors []string
	if spec.Parent != "" {
		parent, err := s.parent(ctx, spec.Owner, spec.Parent, now)
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
		rec := record{
			ID: ids.NewTokenID().String(), Owner: spec.Owner, Name: spec.Name, Scopes: scopes,
			Prefix: prefix, Hash: hashToken(token), CreatedAt: now, ExpiresAt: expires,
			Parent: spec.Parent, Ancestors: ancestors, SchemaVersion: schema.APITokens,
		}
		_, err := s.client.Collection(Collection).Doc(prefix).Create(ctx, &rec)
		if status.Code(err) == codes.AlreadyExists {
			continue // a prefix collision: 60 bits make it all but impossible
		}
		if err != nil {
			return Created{}, storeError(ctx, err, "storing the token")
		}
		if s.masker != nil {
			s.masker.Register(token)
		} else {
			logging.RegisterSecret(ctx, token)
		}
		return Created{Token: token, Info: rec.info()}, nil
	}
	return Created{}, apperr.E(apperr.Internal, "could not allocate a token prefix")
}

// parent reads the token id that a new token of owner is created with: it
// must be owner's, unrevoked and unexpired, and not too deep a descendant.
func (s *Store) parent(ctx context.Context, owner, id string, now time.Time) (*record, error) {
	_, rec, err := s.byID(ctx, id)
	if err != nil {
		return nil, err
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

// byID finds a token by its id: nil when there is none.
func (s *Store) byID(ctx context.Context, id string) (*firestore.DocumentRef, *record, error) {
	if _, err := ids.ParseTokenID(id); err != nil {
		return nil, nil, nil
	}
	docs, err := s.client.Collection(Collection).Where("id", "==", id).Limit(1).Documents(ctx).GetAll()
	if err != nil {
		return nil, nil, storeError(ctx, err, "finding the token")
	}
	if len(docs) == 0 {
		return nil, nil, nil
	}
	var rec record
	if err := docs[0].DataTo(&rec); err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Internal, "reading a token")
	}
	return docs[0].Ref, &rec, nil
}

// List returns owner's tokens, newest first, revoked ones included. A token
// whose ancestor is revoked is shown revoked, since it is refused.
func (s *Store) List(ctx context.Context, owner string) ([]Info, error) {
	ctx, cancel := valetfs.Bound(ctx, 0) // see valetfs.DefaultCallTimeout
	defer cancel()
	docs, err := s.client.Collection(Collection).Where("owner", "==", owner).Documents(ctx).GetAll()
	if err != nil {
		return nil, storeError(ctx, err, "listing tokens")
	}
	recs := make([]record, len(docs))
	byPrefix := make(map[string]*record, len(docs))
	for i, d := range docs {
		if err := d.DataTo(&recs[i]); err != nil {
			return nil, apperr.Wrap(err, apperr.Internal, "reading a token")
		}
		byPrefix[recs[i].Prefix] = &recs[i]
	}
	out := make([]Info, 0, len(docs))
	for i := range recs {
		info := recs[i].info()
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
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Revoke revokes owner's token id at once, and with it every token created
// with it, directly or not (Verify checks a token's ancestors). A token of
// another owner, or none, is NotFound; revoking twice is not an error.
func (s *Store) Revoke(ctx context.Context, owner, id string) error {
	ctx, cancel := valetfs.Bound(ctx, 0) // see valetfs.DefaultCallTimeout
	defer cancel()
	notFound := apperr.E(apperr.NotFound, "token %s not found", id)
	ref, found, err := s.byID(ctx, id)
	if err != nil {
		return err
	}
	if found == nil {
		return notFound
	}
	now := s.clock()
	return valetfs.RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		d, err := tx.Get(ref)
		if err != nil {
			if status.Code(err) == codes.NotFound {
				return notFound
			}
			return err
		}
		var rec record
		if err := d.DataTo(&rec); err != nil {
			return err
		}
		if rec.Owner != owner || rec.ID != id {
			return notFound
		}
		if rec.RevokedAt != nil {
			return nil
		}
		return tx.Update(ref, []firestore.Update{{Path: "revokedAt", Value: now}})
	})
}

// Verify checks a raw valet API token: its form, its hash, and that it is
// neither revoked nor expired. It returns the owner as a user principal
// with the token's scopes.
func (s *Store) Verify(ctx context.Context, raw string) (identity.Principal, error) {
	ctx, cancel := valetfs.Bound(ctx, 0) // see valetfs.DefaultCallTimeout
	defer cancel()
	prefix, err := ParseToken(raw)
	if err != nil {
		return identity.Principal{}, err
	}
	invalid := apperr.E(apperr.Unauthenticated, "valet API token is not valid")
	d, err := s.client.Collection(Collection).Doc(prefix).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return identity.Principal{}, invalid
	}
	if err != nil {
		return identity.Principal{}, storeError(ctx, err, "looking up the token")
	}
	var rec record
	if err := d.DataTo(&rec); err != nil {
		return identity.Principal{}, apperr.Wrap(err, apperr.Internal, "reading the token")
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(raw)), []byte(rec.Hash)) != 1 {
		return identity.Principal{}, invalid
	}
	if rec.RevokedAt != nil {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "valet API token %s has been revoked", rec.ID)
	}
	if !s.now().Before(rec.ExpiresAt) {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "valet API token %s has expired; create a new one", rec.ID)
	}
	if err := s.checkAncestors(ctx, &rec); err != nil {
		return identity.Principal{}, err
	}
	return identity.Principal{Kind: identity.User, ID: rec.Owner, Scopes: slices.Sorted(slices.Values(rec.Scopes)), TokenID: rec.ID}, nil
}

// checkAncestors refuses a token one of whose ancestors is gone, revoked or
// expired: revoking a token revokes what it minted, however deep, with one
// batched read per verification of a minted token (none for the others).
func (s *Store) checkAncestors(ctx context.Context, rec *record) error {
	if len(rec.Ancestors) == 0 {
		return nil
	}
	if len(rec.Ancestors) > MaxChainDepth {
		return apperr.E(apperr.Unauthenticated, "valet API token %s is not valid", rec.ID)
	}
	refs := make([]*firestore.DocumentRef, len(rec.Ancestors))
	for i, a := range rec.Ancestors {
		refs[i] = s.client.Collection(Collection).Doc(a)
	}
	docs, err := s.client.GetAll(ctx, refs)
	if err != nil {
		return storeError(ctx, err, "looking up the token's parents")
	}
	for _, d := range docs {
		var anc record
		if !d.Exists() || d.DataTo(&anc) != nil || anc.Owner != rec.Owner {
			return apperr.E(apperr.Unauthenticated, "valet API token %s is not valid: a token it was created with is gone", rec.ID)
		}
		if anc.RevokedAt != nil {
			return apperr.E(apperr.Unauthenticated, "valet API token %s has been revoked with %s, the token it was created with", rec.ID, anc.ID)
		}
		if !s.now().Before(anc.ExpiresAt) {
			return apperr.E(apperr.Unauthenticated, "valet API token %s has expired with %s, the token it was created with", rec.ID, anc.ID)
		}
	}
	return nil
}

// storeError maps a Firestore failure: the caller's own cancellation stays
// what it is, anything else is Unavailable.
func storeError(ctx context.Context, err error, doing string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.Unavailable, "%s: the token store did not answer in time; retry", doing)
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return apperr.Wrap(err, apperr.Unavailable, "%s: request cancelled", doing)
	}
	return apperr.Wrap(err, apperr.Unavailable, "%s: the token store is unavailable", doing)
}
