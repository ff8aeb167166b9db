package apitoken

import (
	"context"
	"time"

	"valet.dev/valet/shared/ids"
)

// Record is what is kept of a token. It never holds the token: only its
// lookup prefix and the SHA-256 of the whole token.
type Record struct {
	ID         ids.TokenID `firestore:"id"`
	Owner      ids.UserID  `firestore:"owner"`
	Name       string      `firestore:"name"`
	Scopes     []string    `firestore:"scopes"`
	Prefix     string      `firestore:"prefix"`
	Hash       string      `firestore:"hash"`
	CreatedAt  time.Time   `firestore:"createdAt"`
	ExpiresAt  time.Time   `firestore:"expiresAt"`
	RevokedAt  *time.Time  `firestore:"revokedAt"`
	LastUsedAt *time.Time  `firestore:"lastUsedAt"`
	// Parent is the id of the token this one was created with.
	Parent ids.TokenID `firestore:"parent,omitempty"`
	// Ancestors are the lookup prefixes of the tokens this one descends
	// from, its root first and its parent last: Verify refuses the token
	// when any of them is gone, revoked or expired.
	Ancestors []string `firestore:"ancestors,omitempty"`
}

// Info is what may be shown of r.
func (r *Record) Info() Info {
	return Info{ID: r.ID, Name: r.Name, Scopes: r.Scopes, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		Revoked: r.RevokedAt != nil, RevokedAt: r.RevokedAt, ParentID: r.Parent}
}

// Store keeps token records, keyed by lookup prefix. Tokens holds the
// rules and calls it; the conformance suite tokentest states the contract
// as tests, and every implementation runs it (the Firestore one is
// firestore.TokenStore).
//
// # Errors
//
// apperr.NotFound and apperr.Conflict as each method states; backend
// failures apperr.Unavailable (retry) or apperr.Internal (a record that
// cannot be read included).
type Store interface {
	// Add stores r under r.Prefix: Conflict when a record holds that
	// prefix already (which is then left as it was).
	Add(ctx context.Context, r *Record) error
	// Get returns the record under prefix: NotFound when there is none.
	Get(ctx context.Context, prefix string) (*Record, error)
	// GetAll returns the records under prefixes, in their order, nil for
	// a prefix with no record, in one read.
	GetAll(ctx context.Context, prefixes []string) ([]*Record, error)
	// Find returns the record of token id: NotFound when there is none.
	Find(ctx context.Context, id ids.TokenID) (*Record, error)
	// List returns owner's records, in no particular order.
	List(ctx context.Context, owner ids.UserID) ([]Record, error)
	// Revoke sets RevokedAt to at on owner's token id, reading and
	// writing it in one transaction; a record already revoked keeps its
	// RevokedAt. NotFound when owner has no token id.
	Revoke(ctx context.Context, owner ids.UserID, id ids.TokenID, at time.Time) error
}
