package identity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"google.golang.org/api/idtoken"

	"valet.dev/valet/shared/apperr"
)

// DefaultServiceIssuers are the issuers of Google-signed service account ID
// tokens.
var DefaultServiceIssuers = []string{GoogleIssuer, googleIssuerNoScheme}

// ServiceVerifierOptions configures NewServiceVerifier.
type ServiceVerifierOptions struct {
	// Validator checks signature, audience and expiry. Required: build it
	// with idtoken.NewValidator(ctx, option.WithHTTPClient(c)) so the dev
	// stack and tests can point it at a local key set.
	Validator *idtoken.Validator
	// Audience is the called function's URL. Required.
	Audience string
	// Issuers are the accepted iss values; DefaultServiceIssuers when empty.
	// The dev stack passes its dev issuer URL.
	Issuers []string
	// AllowedEmails are the service accounts that may call, compared
	// case-insensitively. At least one.
	AllowedEmails []string
	// Leeway is the clock skew tolerated on iat; DefaultLeeway when zero.
	Leeway time.Duration
	// Now is the clock for the iat check; time.Now when nil. (The
	// validator's own expiry check uses the real clock.)
	Now func() time.Time
}

// ServiceVerifier verifies Google-signed ID tokens of allow-listed service
// accounts. It is safe for concurrent use.
type ServiceVerifier struct {
	validator *idtoken.Validator
	audience  string
	issuers   []string
	allowed   map[string]bool // lowercase emails
	leeway    time.Duration
	now       func() time.Time
}

var _ Verifier = (*ServiceVerifier)(nil)

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
		v.leeway = DefaultLeeway
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Verify checks a Google-signed ID token: RS256 signature against Google's
// keys, audience equal to the function's URL and expiry (by the
// idtoken.Validator), then the issuer, iat, email_verified and the email's
// place on the allow-list. It returns a Service principal whose ID and
// Email are the lowercased email, with all scopes.
//
// Errors are *apperr.Error with code Unauthenticated.
func (v *ServiceVerifier) Verify(ctx context.Context, rawToken string) (Principal, error) {
	header, peeked, err := peekJWT(rawToken)
	if err != nil {
		return Principal{}, err
	}
	// Google signs service account ID tokens with RS256. Refusing anything
	// else here also keeps tokens away from idtoken's ES256 path, which
	// slices the signature without checking its length.
	if header.Algorithm != "RS256" {
		return Principal{}, unauthenticated("token signing algorithm is not accepted (accepted: RS256)")
	}
	// Explain audience and expiry from the unverified claims before the
	// validator, which checks the same things but with untyped errors.
	if len(peeked.Audience) != 1 || peeked.Audience[0] != v.audience {
		return Principal{}, foreign("token audience is not this function's URL %s", v.audience)
	}
	payload, err := v.validator.Validate(ctx, rawToken, v.audience)
	if err != nil {
		if peeked.Expiry != nil && v.now().After(peeked.Expiry.Time()) {
			return Principal{}, apperr.Wrap(err, apperr.Unauthenticated, "token has expired; get a fresh one")
		}
		return Principal{}, apperr.Wrap(err, apperr.Unauthenticated,
			"token could not be verified with Google's keys: bad signature, unknown signing key or unreachable key set")
	}
	// idtoken checks neither the issuer nor iat: check them on the
	// verified payload.
	if !slices.Contains(v.issuers, payload.Issuer) {
		return Principal{}, foreign("token issuer is not accepted for service accounts (accepted: %s)", strings.Join(v.issuers, ", "))
	}
	if payload.Audience != v.audience {
		return Principal{}, foreign("token audience is not this function's URL %s", v.audience)
	}
	if iat := time.Unix(payload.IssuedAt, 0); payload.IssuedAt == 0 || v.now().Add(v.leeway).Before(iat) {
		return Principal{}, unauthenticated("token has no issue time (iat) or was issued in the future; check the clocks")
	}
	if verified, _ := payload.Claims["email_verified"].(bool); !verified {
		if s, _ := payload.Claims["email_verified"].(string); s != "true" {
			return Principal{}, unauthenticated("token's email is not verified")
		}
	}
	email, _ := payload.Claims["email"].(string)
	email = strings.ToLower(email)
	if email == "" {
		return Principal{}, unauthenticated("token has no email; mint it with the service account's email included")
	}
	if !v.allowed[email] {
		return Principal{}, unauthenticated("service account %s is not on this function's allow-list", email)
	}
	return Principal{Kind: Service, ID: email, Email: email, Scopes: slices.Clone(AllScopes)}, nil
}
