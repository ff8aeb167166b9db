package secretmanager

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// keySet is the enabled key versions as one listing saw them, with each
// one's public key in SigningKeys.public.
type keySet struct {
	kids    []string // newest first
	fetched time.Time
}

// has reports whether kid is in the set.
func (s *keySet) has(kid string) bool {
	for _, k := range s.kids {
		if k == kid {
			return true
		}
	}
	return false
}

// KeyMissTTL is how long a listing answers for a key id it does not hold: a
// token naming an unknown version makes the store list the versions again
// at most once a KeyMissTTL, so a flood of forged key ids costs Secret Manager
// nothing more. A version rotated in by another instance is seen within a
// KeyMissTTL.
const KeyMissTTL = 10 * time.Second

// KeyFailureTTL is how long a failed listing's error is answered without
// trying Secret Manager again.
const KeyFailureTTL = time.Second

// keys returns the enabled key versions, listing them again only when the
// cached set is maxAge old or older. One listing runs at a time: callers
// arriving meanwhile wait and share its result. A failed listing is
// answered for KeyFailureTTL without another call.
func (k *SigningKeys) keys(ctx context.Context, maxAge time.Duration) (*keySet, error) {
	if set := k.cachedSet(maxAge); set != nil {
		return set, nil
	}
	k.listing.Lock()
	defer k.listing.Unlock()
	if set := k.cachedSet(maxAge); set != nil {
		return set, nil // listed while this caller waited
	}
	if k.failed != nil && k.now().Sub(k.tried) < KeyFailureTTL {
		return nil, k.failed
	}
	k.tried = k.now()
	set, err := k.list(ctx)
	k.failed = err
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.set = set
	k.mu.Unlock()
	return set, nil
}

func (k *SigningKeys) cachedSet(maxAge time.Duration) *keySet {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.set != nil && k.now().Sub(k.set.fetched) < maxAge {
		return k.set
	}
	return nil
}

// list reads the enabled versions and the public keys it does not hold yet.
func (k *SigningKeys) list(ctx context.Context) (*keySet, error) {
	fetched := k.now()
	kids, err := k.enabledVersions(ctx)
	if err != nil {
		return nil, err
	}
	set := &keySet{fetched: fetched}
	for _, kid := range kids {
		k.mu.Lock()
		known := k.public[kid] != nil
		k.mu.Unlock()
		if !known {
			priv, err := k.load(ctx, kid)
			if status.Code(errors.Unwrap(err)) == codes.FailedPrecondition {
				continue // disabled between the list and the read
			}
			if err != nil {
				return nil, err
			}
			k.mu.Lock()
			k.public[kid] = &priv.PublicKey
			k.mu.Unlock()
		}
		set.kids = append(set.kids, kid)
	}
	return set, nil
}
