package oidc

import (
	"encoding/json"
	"strings"
	"time"

	"valet.dev/valet/shared/apperr"
)

// maxClaimLen bounds sub, email and aud (OIDC allows sub up to 255 ASCII characters).
const maxClaimLen = 255

// TokenRequest is the body of POST /token and the argument of Mint.
type TokenRequest struct {
	Sub        string `json:"sub"`                  // required
	Email      string `json:"email,omitempty"`      // sets email and email_verified=true
	Aud        string `json:"aud,omitempty"`        // Options.DefaultAudience if empty
	TTLSeconds int    `json:"ttlSeconds,omitempty"` // DefaultTTL (capped at MaxTTL) if zero; at most MaxTTL
}

// TokenResponse is the body POST /token answers.
type TokenResponse struct {
	IDToken string `json:"id_token"`
}

// Claims are the claims of a minted ID token, shaped like Google's: no nbf,
// azp equal to aud (the client the token was issued to).
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
	ttl, err := i.ttl(req.TTLSeconds)
	if err != nil {
		return Claims{}, err
	}
	now := i.now()
	return Claims{
		Issuer:          iss,
		Subject:         req.Sub,
		Audience:        aud,
		AuthorizedParty: aud,
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
