package oidc

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"valet.dev/valet/shared/apperr"
)

// maxClaimLen bounds sub, email and aud (OIDC allows sub up to 255 ASCII characters).
const maxClaimLen = 255

// TokenRequest is the body of POST /token and the argument of Mint. It
// names an account and says what the token should carry, as a caller of
// Google's token endpoints does.
type TokenRequest struct {
	// Sub names the account: a user's name, a service account's email or a
	// numeric id (required). The token's sub is the account's numeric id,
	// AccountID(Sub), as Google's sub is a number.
	Sub string `json:"sub"`
	// Email asks for the email and email_verified=true claims, with this
	// address. Google adds them only when asked: the "email" scope for a
	// user, format=full on the metadata server or includeEmail on
	// generateIdToken for a service account. Without it the token has none.
	Email string `json:"email,omitempty"`
	// Aud is the audience; Options.DefaultAudience if empty.
	Aud string `json:"aud,omitempty"`
	// Azp is the authorized party. If empty it is, as Google sets it, the
	// account's numeric id for a service account (an account or email
	// ending in .gserviceaccount.com) and the audience (the OAuth client)
	// for a user.
	Azp string `json:"azp,omitempty"`
	// TTLSeconds is the lifetime: DefaultTTL (capped at the issuer's
	// MaxTTL) if zero, at most MaxTTL (one hour unless configured).
	TTLSeconds int `json:"ttlSeconds,omitempty"`
}

// TokenResponse is the body POST /token answers.
type TokenResponse struct {
	IDToken string `json:"id_token"`
}

// Claims are the claims of a minted ID token, shaped like Google's: a
// numeric sub, azp, email only when asked for, no nbf.
type Claims struct {
	Issuer          string `json:"iss"`
	Subject         string `json:"sub"`
	Audience        string `json:"aud"`
	AuthorizedParty string `json:"azp"`
	Email           string `json:"email,omitempty"`
	EmailVerified   bool   `json:"email_verified,omitempty"`
	IssuedAt        int64  `json:"iat"`
	Expiry          int64  `json:"exp"`
	Nonce           string `json:"nonce,omitempty"` // the authorization request's nonce
}

// AccountID is the numeric id the issuer gives the account named name: name
// itself when it is a number already, else 21 decimal digits derived from
// it (Google's account ids are 21-digit numbers), the same every time.
func AccountID(name string) string {
	if isDecimal(name) {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("1%020d", binary.BigEndian.Uint64(sum[:8]))
}

func isDecimal(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// IsServiceAccount reports whether an account name or email is a Google
// service account's.
func IsServiceAccount(name string) bool {
	return strings.HasSuffix(strings.ToLower(name), ".gserviceaccount.com")
}

// Mint signs an ID token for req. Errors are *apperr.Error: Invalid for a
// bad request, Unavailable while the issuer URL is unset.
func (i *Issuer) Mint(req TokenRequest) (string, error) {
	c, err := i.claims(req)
	if err != nil {
		return "", err
	}
	return i.sign(c)
}

// sign signs c as a compact JWS.
func (i *Issuer) sign(c Claims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "encode claims")
	}
	jws, err := i.signer.Sign(payload)
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "sign token")
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		return "", apperr.Wrap(err, apperr.Internal, "serialize token")
	}
	return token, nil
}

// claims validates req and builds the claims of its token.
func (i *Issuer) claims(req TokenRequest) (Claims, error) {
	iss := i.IssuerURL()
	if iss == "" {
		return Claims{}, apperr.E(apperr.Unavailable, "the issuer URL is not set yet")
	}
	if err := checkClaim("sub", req.Sub, true); err != nil {
		return Claims{}, err
	}
	if err := checkClaim("email", req.Email, false); err != nil {
		return Claims{}, err
	}
	if req.Email != "" && !strings.Contains(req.Email, "@") {
		return Claims{}, apperr.E(apperr.Invalid, "email must be an address (user@domain)")
	}
	aud := req.Aud
	if aud == "" {
		aud = i.audience
	}
	if aud == "" {
		return Claims{}, apperr.E(apperr.Invalid, "aud is required: the issuer has no default audience")
	}
	if err := checkClaim("aud", aud, true); err != nil {
		return Claims{}, err
	}
	if err := checkClaim("azp", req.Azp, false); err != nil {
		return Claims{}, err
	}
	sub := AccountID(req.Sub)
	azp := req.Azp
	switch {
	case azp != "":
	case IsServiceAccount(req.Sub) || IsServiceAccount(req.Email):
		azp = sub
	default:
		azp = aud
	}
	ttl, err := i.ttl(req.TTLSeconds)
	if err != nil {
		return Claims{}, err
	}
	now := i.now()
	return Claims{
		Issuer:          iss,
		Subject:         sub,
		Audience:        aud,
		AuthorizedParty: azp,
		Email:           req.Email,
		EmailVerified:   req.Email != "",
		IssuedAt:        now.Unix(),
		Expiry:          now.Add(ttl).Unix(),
	}, nil
}

// ttl turns ttlSeconds into a lifetime within (0, MaxTTL].
func (i *Issuer) ttl(seconds int) (time.Duration, error) {
	if seconds == 0 {
		return min(DefaultTTL, i.maxTTL), nil
	}
	if seconds < 0 || int64(seconds) > int64(i.maxTTL/time.Second) {
		return 0, apperr.E(apperr.Invalid, "ttlSeconds must be between 1 and %d", int64(i.maxTTL/time.Second))
	}
	return time.Duration(seconds) * time.Second, nil
}

// checkClaim refuses empty required values, overlong values and control characters.
func checkClaim(name, v string, required bool) error {
	if v == "" {
		if required {
			return apperr.E(apperr.Invalid, "%s is required", name)
		}
		return nil
	}
	if len(v) > maxClaimLen {
		return apperr.E(apperr.Invalid, "%s is longer than %d bytes", name, maxClaimLen)
	}
	for _, r := range v {
		if r < 0x20 || r == 0x7f {
			return apperr.E(apperr.Invalid, "%s contains a control character", name)
		}
	}
	return nil
}
