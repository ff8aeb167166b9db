package secretmanager

import (
	"context"
	"crypto/ecdsa"
	"strconv"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"valet.dev/valet/shared/apperr"
)

// Sign serialises claims as a JWT signed with the newest enabled key:
// header alg ES256, kid (the key's version) and typ. The token is a secret:
// log only its jti.
func (k *SigningKeys) Sign(ctx context.Context, typ string, claims any) (string, error) {
	if typ == "" {
		return "", apperr.E(apperr.Invalid, "a signed token needs a typ header")
	}
	key, err := k.latest(ctx)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key.key, KeyID: key.kid}},
		(&jose.SignerOptions{}).WithType(jose.ContentType(typ)),
	)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "building the token signer")
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "signing the token")
	}
	return token, nil
}

// Verify checks that token is a compact JWS with alg ES256, header typ typ
// and a kid naming an ENABLED version of the signing key whose key verifies
// the signature, then decodes its claims into dst. It checks no claim:
// expiry, issuer and audience are the caller's.
//
// The enabled versions are relisted at most every KeyCacheTTL, so disabling a
// version withdraws its tokens within KeyCacheTTL. Errors: Unauthenticated
// with the reason (never the token), Unavailable when Secret Manager cannot
// be reached.
func (k *SigningKeys) Verify(ctx context.Context, token string, typ string, dst any) error {
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return apperr.E(apperr.Unauthenticated, "token is not a JWT signed with ES256")
	}
	if len(parsed.Headers) != 1 {
		return apperr.E(apperr.Unauthenticated, "token must carry exactly one signature")
	}
	h := parsed.Headers[0]
	if got, _ := h.ExtraHeaders[jose.HeaderType].(string); got != typ {
		return apperr.E(apperr.Unauthenticated, "token type is %q, want %q", got, typ)
	}
	pub, err := k.verificationKey(ctx, h.KeyID)
	if err != nil {
		return err
	}
	if err := parsed.Claims(pub, dst); err != nil {
		return apperr.E(apperr.Unauthenticated, "token signature does not verify or its claims are malformed")
	}
	return nil
}

// verificationKey returns the public key of version kid if it is enabled,
// from the cached key set. A kid the set lacks makes the store list the
// versions again only if the set is KeyMissTTL old: a caller sending forged
// key ids spends no Secret Manager quota beyond one listing a KeyMissTTL.
func (k *SigningKeys) verificationKey(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	if n, err := strconv.ParseInt(kid, 10, 64); err != nil || n < 1 || strconv.FormatInt(n, 10) != kid {
		return nil, apperr.E(apperr.Unauthenticated, "token key id is not a signing key version")
	}
	set, err := k.keys(ctx, KeyCacheTTL)
	if err == nil && !set.has(kid) {
		set, err = k.keys(ctx, KeyMissTTL)
	}
	if err != nil {
		return nil, err
	}
	if !set.has(kid) {
		return nil, apperr.E(apperr.Unauthenticated, "token was signed with key %s, which is unknown or withdrawn; get a fresh token", kid)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.public[kid], nil
}
