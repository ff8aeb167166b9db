package firestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/schema"
)

// TokensCollection holds the API token records: apiTokens/{lookup prefix},
// an apitoken.Record and its schemaVersion. Find and List are
// single-field queries (id ==, owner ==).
const TokensCollection = "apiTokens"

// TokenStore is apitoken.Store in Firestore (errors as apitoken.Store
// states them; database failures as RunTransaction maps them).
type TokenStore struct{ store }

// NewTokenStore returns a TokenStore on client's database.
func NewTokenStore(c *firestore.Client, opts ...StoreOption) *TokenStore {
	return &TokenStore{newStore(c, opts)}
}

var _ apitoken.Store = (*TokenStore)(nil)

// tokenDoc is the stored form of apiTokens/{prefix}.
type tokenDoc struct {
	apitoken.Record
	// SchemaVersion: see package schema.
	SchemaVersion int `firestore:"schemaVersion"`
}

func (s *TokenStore) ref(prefix string) *firestore.DocumentRef {
	return s.client.Collection(TokensCollection).Doc(prefix)
}

// Add implements apitoken.Store.
func (s *TokenStore) Add(ctx context.Context, r *apitoken.Record) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if r == nil || r.Prefix == "" {
		return apperr.E(apperr.Invalid, "a token record needs a lookup prefix")
	}
	_, err := s.ref(r.Prefix).Create(ctx, &tokenDoc{Record: *r, SchemaVersion: schema.APITokens})
	return readError(ctx, err)
}

// Get implements apitoken.Store.
func (s *TokenStore) Get(ctx context.Context, prefix string) (*apitoken.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if prefix == "" {
		return nil, apperr.E(apperr.NotFound, "no token record")
	}
	return getDoc(ctx, s.ref(prefix), apperr.E(apperr.NotFound, "no token record"), tokenOf)
}

// GetAll implements apitoken.Store.
func (s *TokenStore) GetAll(ctx context.Context, prefixes []string) ([]*apitoken.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	out := make([]*apitoken.Record, len(prefixes))
	refs := make([]*firestore.DocumentRef, 0, len(prefixes))
	at := make([]int, 0, len(prefixes))
	for i, p := range prefixes {
		if p != "" {
			refs = append(refs, s.ref(p))
			at = append(at, i)
		}
	}
	if len(refs) == 0 {
		return out, nil
	}
	snaps, err := s.client.GetAll(ctx, refs)
	if err != nil {
		return nil, readError(ctx, err)
	}
	for j, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		if out[at[j]], err = tokenOf(snap); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Find implements apitoken.Store.
func (s *TokenStore) Find(ctx context.Context, id ids.TokenID) (*apitoken.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	snap, err := s.find(ctx, id)
	if err != nil {
		return nil, err
	}
	return tokenOf(snap)
}

// find returns the document of token id: NotFound when there is none.
func (s *TokenStore) find(ctx context.Context, id ids.TokenID) (*firestore.DocumentSnapshot, error) {
	notFound := apperr.E(apperr.NotFound, "token %s not found", id)
	if id == "" {
		return nil, notFound
	}
	docs, err := s.client.Collection(TokensCollection).Where("id", "==", string(id)).Limit(1).Documents(ctx).GetAll()
	if err != nil {
		return nil, readError(ctx, err)
	}
	if len(docs) == 0 {
		return nil, notFound
	}
	return docs[0], nil
}

// List implements apitoken.Store.
func (s *TokenStore) List(ctx context.Context, owner ids.UserID) ([]apitoken.Record, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return queryAll(ctx, s.client.Collection(TokensCollection).Where("owner", "==", string(owner)), func(snap *firestore.DocumentSnapshot) (apitoken.Record, error) {
		r, err := tokenOf(snap)
		if err != nil {
			return apitoken.Record{}, err
		}
		return *r, nil
	})
}

// Revoke implements apitoken.Store.
func (s *TokenStore) Revoke(ctx context.Context, owner ids.UserID, id ids.TokenID, at time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	snap, err := s.find(ctx, id)
	if err != nil {
		return err
	}
	notFound := apperr.E(apperr.NotFound, "token %s not found", id)
	return RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		r, err := txDoc(tx, snap.Ref, notFound, tokenOf)
		switch {
		case err != nil:
			return err
		case r.Owner != owner || r.ID != id:
			return notFound
		case r.RevokedAt != nil:
			return nil // revoked already: the first time stays
		}
		return tx.Update(snap.Ref, []firestore.Update{{Path: "revokedAt", Value: at}})
	})
}

// tokenOf decodes a token document.
func tokenOf(snap *firestore.DocumentSnapshot) (*apitoken.Record, error) {
	d, err := decodeAs[tokenDoc](snap, "token")
	if err != nil {
		return nil, err
	}
	return &d.Record, nil
}
