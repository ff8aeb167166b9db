package authn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"valet.dev/valet/shared/identity"

	"github.com/coreos/go-oidc/v3/oidc"

	"valet.dev/valet/shared/apperr"
)

// GoogleIssuer is the issuer of Google accounts' ID tokens. Google also
// writes it without the scheme ("accounts.google.com"); a user verifier
// configured with GoogleIssuer accepts both and derives user ids from
// GoogleIssuer, so a Google user has one id whichever form the token carries.
const GoogleIssuer = "https://accounts.google.com"

const googleIssuerNoScheme = "accounts.google.com"

// DefaultAlgorithms are the signing algorithms an issuer is pinned to when
// its IssuerConfig names none.
var DefaultAlgorithms = []string{"RS256", "ES256"}

// asymmetricAlgorithms are the algorithms an issuer may be pinned to. HMAC
// algorithms and "none" are never accepted: an ID token must be verifiable
// with a public key only.
var asymmetricAlgorithms = []string{
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

// IssuerConfig is one OIDC issuer whose users may call.
type IssuerConfig struct {
	// URL is the issuer identifier; a token's iss must equal it exactly
	// (GoogleIssuer also accepts "accounts.google.com"). https, or http on a
	// loopback host for the dev issuer.
	URL string
	// Audiences are the client ids accepted in aud; at least one.
	Audiences []string
	// JWKSURL is the issuer's key set. When empty the key set is found by
	// OIDC discovery (URL + "/.well-known/openid-configuration") on first
	// use.
	JWKSURL string
	// Algorithms pins the accepted signing algorithms; DefaultAlgorithms
	// when empty. Only asymmetric algorithms are allowed.
	Algorithms []string
	// ClientIDs are the OAuth clients a user's token may have been issued
	// to: when set, the token's authorized party (azp, or its single
	// audience when it has no azp, as OpenID Connect Core 1.0 reads a
	// missing azp) must be one of them. For GoogleIssuer it defaults to
	// Audiences: Google puts the client a user signed in to in azp, while
	// a service account's ID token carries the account's own numeric id
	// there ("OpenID Connect", "An ID token's payload"), so a service
	// account's token minted for the users' audience is not a user's.
	// Other issuers' azp is not checked when it is empty.
	ClientIDs []string
}

// UserVerifierOptions configures NewUserVerifier.
type UserVerifierOptions struct {
	// Issuers are the accepted issuers; at least one.
	Issuers []IssuerConfig
	// HTTPClient fetches discovery documents and key sets; a client with a
	// 10 s timeout when nil.
	HTTPClient *http.Client
	// Leeway is the clock skew tolerated on exp, nbf and iat; identity.DefaultLeeway
	// when zero, and no less than zero.
	Leeway time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// UserVerifier verifies OIDC ID tokens of users from configured issuers.
// It is safe for concurrent use.
type UserVerifier struct {
	issuers map[string]*issuerVerifier // by iss claim value, aliases included
	names   []string                   // configured issuer URLs, for messages
	leeway  time.Duration
	now     func() time.Time
}

var _ identity.Verifier = (*UserVerifier)(nil)

// issuerVerifier checks tokens of one issuer. Its go-oidc verifier is built
// at construction when the JWKS URL is configured, else on first use by
// discovery; a failed discovery is retried on the next token.
type issuerVerifier struct {
	cfg        IssuerConfig
	client     *http.Client
	keysCtx    context.Context // configures the remote key set's HTTP client
	oidcConfig *oidc.Config

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
}

// NewUserVerifier checks opts and returns a verifier. It makes no network
// calls: key sets are fetched, and issuers discovered, on first use.
func NewUserVerifier(ctx context.Context, opts UserVerifierOptions) (*UserVerifier, error) {
	if len(opts.Issuers) == 0 {
		return nil, errors.New("identity: user verifier needs at least one issuer")
	}
	if opts.Leeway < 0 {
		return nil, errors.New("identity: leeway must not be negative")
	}
	v := &UserVerifier{
		issuers: make(map[string]*issuerVerifier),
		leeway:  opts.Leeway,
		now:     opts.Now,
	}
	if v.leeway == 0 {
		v.leeway = identity.DefaultLeeway
	}
	if v.now == nil {
		v.now = time.Now
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	keysCtx := oidc.ClientContext(context.WithoutCancel(ctx), client)
	for _, cfg := range opts.Issuers {
		iv, err := newIssuerVerifier(keysCtx, client, cfg)
		if err != nil {
			return nil, err
		}
		keys := []string{cfg.URL}
		if cfg.URL == GoogleIssuer {
			keys = append(keys, googleIssuerNoScheme)
		}
		for _, k := range keys {
			if _, dup := v.issuers[k]; dup {
				return nil, fmt.Errorf("identity: issuer %q configured twice", k)
			}
			v.issuers[k] = iv
		}
		v.names = append(v.names, cfg.URL)
	}
	return v, nil
}

func newIssuerVerifier(keysCtx context.Context, client *http.Client, cfg IssuerConfig) (*issuerVerifier, error) {
	if err := checkIssuerURL("issuer URL", cfg.URL); err != nil {
		return nil, err
	}
	if strings.ContainsAny(cfg.URL, "\n\r") {
		return nil, fmt.Errorf("identity: issuer URL %q contains a line break", cfg.URL)
	}
	if cfg.JWKSURL != "" {
		if err := checkIssuerURL("JWKS URL", cfg.JWKSURL); err != nil {
			return nil, err
		}
	}
	if len(cfg.Audiences) == 0 || slices.Contains(cfg.Audiences, "") {
		return nil, fmt.Errorf("identity: issuer %s needs at least one non-empty audience", cfg.URL)
	}
	cfg.Audiences = slices.Clone(cfg.Audiences)
	if len(cfg.ClientIDs) == 0 && cfg.URL == GoogleIssuer {
		cfg.ClientIDs = cfg.Audiences
	}
	if slices.Contains(cfg.ClientIDs, "") {
		return nil, fmt.Errorf("identity: issuer %s has an empty client id", cfg.URL)
	}
	cfg.ClientIDs = slices.Clone(cfg.ClientIDs)
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = DefaultAlgorithms
	}
	cfg.Algorithms = slices.Clone(cfg.Algorithms)
	for _, alg := range cfg.Algorithms {
		if !slices.Contains(asymmetricAlgorithms, alg) {
			return nil, fmt.Errorf("identity: issuer %s: algorithm %q is not allowed (allowed: %s)",
				cfg.URL, alg, strings.Join(asymmetricAlgorithms, ", "))
		}
	}
	iv := &issuerVerifier{
		cfg:     cfg,
		client:  client,
		keysCtx: keysCtx,
		oidcConfig: &oidc.Config{
			SupportedSigningAlgs: cfg.Algorithms,
			// Audience and times are checked by checkClaims, which knows
			// several audiences and a leeway.
			SkipClientIDCheck: true,
			SkipExpiryCheck:   true,
		},
	}
	if cfg.JWKSURL != "" {
		iv.verifier = oidc.NewVerifier(cfg.URL, oidc.NewRemoteKeySet(keysCtx, cfg.JWKSURL), iv.oidcConfig)
	}
	return iv, nil
}

// checkIssuerURL accepts https URLs, and http ones on loopback hosts (the
// local dev issuer).
func checkIssuerURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("identity: %s %q is not an absolute URL", what, raw)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("identity: %s %q must use https (http only on a loopback host)", what, raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Verify checks an OIDC ID token: the issuer (chosen by the token's
// unverified iss, then verified), the signature against the issuer's key
// set with the issuer's pinned algorithms, the audience, the authorized
// party when the issuer has ClientIDs, and exp, iat and nbf within the
// leeway. It returns a User principal whose ID is
// identity.UserID(issuer, sub), with all scopes, and the email unless the issuer says
// it is not verified.
//
// Errors are *apperr.Error with code Unauthenticated, except a failed
// discovery of the issuer's metadata, which is Unavailable.
func (v *UserVerifier) Verify(ctx context.Context, rawToken string) (identity.Principal, error) {
	header, peeked, err := peekJWT(rawToken)
	if err != nil {
		return identity.Principal{}, err
	}
	iv, ok := v.issuers[peeked.Issuer]
	if !ok {
		return identity.Principal{}, foreign("token issuer is not accepted here (accepted: %s)", strings.Join(v.names, ", "))
	}
	if !slices.Contains(iv.cfg.Algorithms, header.Algorithm) {
		return identity.Principal{}, unauthenticated("token signing algorithm is not accepted for issuer %s (accepted: %s)",
			iv.cfg.URL, strings.Join(iv.cfg.Algorithms, ", "))
	}
	verifier, err := iv.get(ctx)
	if err != nil {
		return identity.Principal{}, err
	}
	token, err := verifier.Verify(ctx, rawToken)
	if err != nil {
		return identity.Principal{}, apperr.Wrap(err, apperr.Unauthenticated,
			"token could not be verified with the keys of issuer %s: bad signature, unknown signing key or unreachable key set", iv.cfg.URL)
	}
	var claims jwtClaims
	if err := token.Claims(&claims); err != nil {
		return identity.Principal{}, apperr.Wrap(err, apperr.Unauthenticated, "token claims are malformed")
	}
	if err := v.checkClaims(iv, &claims); err != nil {
		return identity.Principal{}, err
	}
	p := identity.Principal{
		Kind:   identity.User,
		ID:     identity.UserID(iv.cfg.URL, claims.Subject),
		Scopes: slices.Clone(identity.AllScopes),
	}
	if claims.EmailVerified == nil || bool(*claims.EmailVerified) {
		p.Email = claims.Email
	}
	return p, nil
}

// checkClaims checks what go-oidc was told to skip, on verified claims.
func (v *UserVerifier) checkClaims(iv *issuerVerifier, c *jwtClaims) error {
	if v.issuers[c.Issuer] != iv {
		// go-oidc checked iss; this guards against the peeked and verified
		// claims ever disagreeing.
		return unauthenticated("token issuer changed between parsing and verification")
	}
	if !c.Audience.containsAny(iv.cfg.Audiences) {
		return foreign("token audience is not accepted for issuer %s (accepted: %s)",
			iv.cfg.URL, strings.Join(iv.cfg.Audiences, ", "))
	}
	if err := c.checkTimes(v.now(), v.leeway); err != nil {
		return err
	}
	if len(iv.cfg.ClientIDs) > 0 && !slices.Contains(iv.cfg.ClientIDs, c.authorizedParty()) {
		return unauthenticated("token of issuer %s was not issued to a client of valet (azp): a service account's or another application's token is not a user's",
			iv.cfg.URL)
	}
	if c.Subject == "" {
		return unauthenticated("token has no subject (sub)")
	}
	return nil
}

// get returns the issuer's go-oidc verifier, discovering the key set first
// if needed.
func (iv *issuerVerifier) get(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	if iv.verifier != nil {
		return iv.verifier, nil
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, iv.client), iv.cfg.URL)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Unavailable, "could not discover the keys of issuer %s; retry later", iv.cfg.URL)
	}
	var meta struct {
		JWKSURL string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil || meta.JWKSURL == "" {
		return nil, apperr.E(apperr.Unavailable, "issuer %s publishes no jwks_uri; retry later", iv.cfg.URL)
	}
	iv.verifier = oidc.NewVerifier(iv.cfg.URL, oidc.NewRemoteKeySet(iv.keysCtx, meta.JWKSURL), iv.oidcConfig)
	return iv.verifier, nil
}
