package authn

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"valet.dev/valet/shared/identity"

	"google.golang.org/api/idtoken"

	"valet.dev/valet/shared/apperr"
)

// DefaultServiceIssuers are the issuers of Google-signed service account ID
// tokens.
var DefaultServiceIssuers = []string{GoogleIssuer, googleIssuerNoScheme}

// ServiceVerifierOptions configures NewServiceVerifier.
type ServiceVerifierOptions struct {
	// Validator checks signature, audience and expiry. Required: build it
	// with NewValidator, which the dev stack and tests point at a local
	// key set.
	Validator *idtoken.Validator
	// Audience is the called function's URL. Required.
	Audience string
	// Issuers are the accepted iss values; DefaultServiceIssuers when empty.
	// The dev stack passes its dev issuer URL.
	Issuers []string
	// AllowedEmails are the service accounts that may call, compared
	// case-insensitively. At least one.
	AllowedEmails []string
	// Leeway is the clock skew tolerated on iat; identity.DefaultLeeway when zero.
	Leeway time.Duration
	// Now is the clock for the iat check; time.Now when nil. (The
	// validator's own expiry check uses the real clock.)
	Now func() time.Time
	// Stripped says what to do with a token whose signature Cloud Run's
	// front door replaced by identity.StrippedSignature: RefuseStripped (the zero
	// value) or AcceptStripped.
	Stripped StrippedTokens
}

// StrippedTokens is a function's answer to a token whose signature the
// front door removed.
type StrippedTokens int

const (
	// RefuseStripped refuses it: the function verifies every signature
	// itself, so callers send the front door's token in
	// X-Serverless-Authorization and a signed one in Authorization
	// (dispatch).
	RefuseStripped StrippedTokens = iota
	// AcceptStripped trusts the front door's check of the signature and
	// still checks every claim (issuer, audience, times, email and the
	// allow-list). Only for a private function whose caller can put its
	// token nowhere but Authorization: sweep, called by Cloud Scheduler.
	AcceptStripped
)

// ServiceVerifier verifies Google-signed ID tokens of allow-listed service
// accounts. It is safe for concurrent use.
type ServiceVerifier struct {
	validator *idtoken.Validator
	audience  string
	issuers   []string
	allowed   map[string]bool // lowercase emails
	leeway    time.Duration
	now       func() time.Time
	stripped  StrippedTokens
}

var _ identity.Verifier = (*ServiceVerifier)(nil)

// NewServiceVerifier checks opts and returns a verifier.
func NewServiceVerifier(opts ServiceVerifierOptions) (*ServiceVerifier, error) {
	if opts.Validator == nil {
		return nil, errors.New("identity: service verifier needs an idtoken.Validator")
	}
	if opts.Audience == "" {
		return nil, errors.New("identity: service verifier needs the function's URL as audience")
	}
	if len(opts.AllowedEmails) == 0 {
		return nil, errors.New("identity: service verifier needs at least one allowed email")
	}
	if opts.Leeway < 0 {
		return nil, errors.New("identity: leeway must not be negative")
	}
	v := &ServiceVerifier{
		validator: opts.Validator,
		audience:  opts.Audience,
		issuers:   slices.Clone(opts.Issuers),
		allowed:   make(map[string]bool, len(opts.AllowedEmails)),
		leeway:    opts.Leeway,
		now:       opts.Now,
		stripped:  opts.Stripped,
	}
	if len(v.issuers) == 0 {
		v.issuers = slices.Clone(DefaultServiceIssuers)
	}
	if slices.Contains(v.issuers, "") {
		return nil, errors.New("identity: service verifier issuers must not be empty strings")
	}
	for _, e := range opts.AllowedEmails {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			return nil, errors.New("identity: allowed emails must not be empty")
		}
		v.allowed[e] = true
	}
	if v.leeway == 0 {
		v.leeway = identity.DefaultLeeway
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Verify checks a Google-signed ID token: RS256 signature against Google's
// keys, audience equal to the function's URL and expiry (by the
// idtoken.Validator), then the issuer, iat, email_verified and the email's
// place on the allow-list. A token whose signature the front door removed
// is refused, or with AcceptStripped has every claim but the signature
// checked. It returns a Service principal whose ID and Email are the
// lowercased email, with all scopes.
//
// Errors are *apperr.Error with code Unauthenticated.
func (v *ServiceVerifier) Verify(ctx context.Context, rawToken string) (identity.Principal, error) {
	header, peeked, err := peekJWT(rawToken)
	if err != nil {
		return identity.Principal{}, err
	}
	// Google signs service account ID tokens with RS256. Refusing anything
	// else here also keeps tokens away from idtoken's ES256 path, which
	// slices the signature without checking its length.
	if header.Algorithm != "RS256" {
		return identity.Principal{}, unauthenticated("token signing algorithm is not accepted (accepted: RS256)")
	}
	// Explain audience and expiry from the unverified claims before the
	// validator, which checks the same things but with untyped errors.
	if len(peeked.Audience) != 1 || peeked.Audience[0] != v.audience {
		return identity.Principal{}, foreign("token audience is not this function's URL %s", v.audience)
	}
	if strings.HasSuffix(rawToken, "."+identity.StrippedSignature) {
		return v.verifyStripped(peeked)
	}
	payload, err := v.validator.Validate(ctx, rawToken, v.audience)
	if err != nil {
		if peeked.Expiry != nil && v.now().After(peeked.Expiry.Time()) {
			return identity.Principal{}, apperr.Wrap(err, apperr.Unauthenticated, "token has expired; get a fresh one")
		}
		return identity.Principal{}, apperr.Wrap(err, apperr.Unauthenticated,
			"token could not be verified with Google's keys: bad signature, unknown signing key or unreachable key set")
	}
	// idtoken checks neither the issuer nor iat: check them on the
	// verified payload.
	if payload.Audience != v.audience {
		return identity.Principal{}, foreign("token audience is not this function's URL %s", v.audience)
	}
	email, _ := payload.Claims["email"].(string)
	verified, _ := payload.Claims["email_verified"].(bool)
	if s, _ := payload.Claims["email_verified"].(string); s == "true" {
		verified = true
	}
	return v.principal(payload.Issuer, payload.IssuedAt, email, verified)
}

// verifyStripped checks a token whose signature the front door removed:
// refused unless AcceptStripped, then every claim, expiry included (no
// validator saw it).
func (v *ServiceVerifier) verifyStripped(c jwtClaims) (identity.Principal, error) {
	if v.stripped != AcceptStripped {
		return identity.Principal{}, unauthenticated("token's signature was removed by Cloud Run's front door, so this function cannot verify it: " +
			"send the ID token for the front door in X-Serverless-Authorization and a signed ID token in Authorization")
	}
	if c.Expiry == nil || v.now().After(c.Expiry.Time().Add(v.leeway)) {
		return identity.Principal{}, unauthenticated("token has no expiry or has expired; get a fresh one")
	}
	var iat int64
	if c.IssuedAt != nil {
		iat = c.IssuedAt.Time().Unix()
	}
	return v.principal(c.Issuer, iat, c.Email, c.EmailVerified != nil && bool(*c.EmailVerified))
}

// principal checks the claims idtoken does not (issuer, iat, the email and
// its place on the allow-list) and returns the service principal.
func (v *ServiceVerifier) principal(issuer string, issuedAt int64, email string, emailVerified bool) (identity.Principal, error) {
	if !slices.Contains(v.issuers, issuer) {
		return identity.Principal{}, foreign("token issuer is not accepted for service accounts (accepted: %s)", strings.Join(v.issuers, ", "))
	}
	if iat := time.Unix(issuedAt, 0); issuedAt == 0 || v.now().Add(v.leeway).Before(iat) {
		return identity.Principal{}, unauthenticated("token has no issue time (iat) or was issued in the future; check the clocks")
	}
	if !emailVerified {
		return identity.Principal{}, unauthenticated("token's email is not verified")
	}
	email = strings.ToLower(email)
	if email == "" {
		return identity.Principal{}, unauthenticated("token has no email; mint it with the service account's email included")
	}
	if !v.allowed[email] {
		return identity.Principal{}, unauthenticated("service account %s is not on this function's allow-list", email)
	}
	return identity.Principal{Kind: identity.Service, ID: email, Email: email, Scopes: slices.Clone(identity.AllScopes)}, nil
}
