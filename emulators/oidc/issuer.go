// Package oidc implements the dev OIDC issuer: an http.Handler that publishes
// an OpenID discovery document and a JWK set, and mints RS256 ID tokens for
// any subject on request, so local runs and tests exercise the same token
// verification code as production (go-oidc against the issuer's JWKS, or
// Google's idtoken validator pointed at it).
//
// Its tokens are shaped like Google's ("OpenID Connect", "An ID token's
// payload", https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload):
// sub is the account's numeric id (AccountID); azp is the OAuth client (the
// audience) for a user and the account's numeric id for a service account;
// email and email_verified appear only when the request asks for them, as
// Google adds them only for the "email" scope or, for service accounts,
// format=full on the metadata server or includeEmail on generateIdToken
// (https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateIdToken);
// tokens live at most one hour.
//
// It authenticates nobody: anyone who reaches POST /token gets a token for
// any subject. Serve it on loopback only and never trust its issuer outside
// a dev stack.
package oidc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Token lifetimes. Google's ID tokens are valid for one hour ("Token
// types", https://cloud.google.com/docs/authentication/token-types#id-lifetime),
// so the issuer mints none longer unless configured to.
const (
	DefaultTTL    = time.Hour // lifetime of a token whose request names none
	DefaultMaxTTL = time.Hour // longest lifetime a request may ask for, unless Options.MaxTTL says otherwise
)

// Routes the issuer answers, relative to its issuer URL.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/jwks"
	TokenPath     = "/token"
)

// Options configure an Issuer.
type Options struct {
	// Issuer is the issuer URL: the iss claim and the discovery document's
	// issuer, e.g. "http://127.0.0.1:PORT". It may be left empty and set
	// with SetIssuer once the listener's address is known.
	Issuer string
	// DefaultAudience is the aud of tokens whose request names none (the
	// stack's user audience).
	DefaultAudience string
	// MaxTTL bounds the lifetime a request may ask for; DefaultMaxTTL if zero.
	MaxTTL time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Key is the signing key; a fresh RSA-2048 key is generated if nil.
	Key *rsa.PrivateKey
}

// Issuer is the dev OIDC issuer. It is an http.Handler serving DiscoveryPath,
// JWKSPath, TokenPath and AuthorizePath; it is safe for concurrent use.
type Issuer struct {
	mu     sync.RWMutex
	issuer string

	audience string
	maxTTL   time.Duration
	now      func() time.Time
	public   jose.JSONWebKey
	signer   jose.Signer
	jwks     []byte
	codes    codes
}

// New builds an Issuer, generating its signing key unless opts.Key is set.
func New(opts Options) (*Issuer, error) {
	if opts.MaxTTL < 0 {
		return nil, errors.New("oidc: MaxTTL must not be negative")
	}
	if opts.MaxTTL == 0 {
		opts.MaxTTL = DefaultMaxTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key := opts.Key
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("oidc: generate signing key: %w", err)
		}
	}
	public := jose.JSONWebKey{Key: &key.PublicKey, Algorithm: string(jose.RS256), Use: "sig"}
	thumb, err := public.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("oidc: key thumbprint: %w", err)
	}
	public.KeyID = base64.RawURLEncoding.EncodeToString(thumb)[:16]
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{public}})
	if err != nil {
		return nil, fmt.Errorf("oidc: encode JWKS: %w", err)
	}
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: public.KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, fmt.Errorf("oidc: build signer: %w", err)
	}
	i := &Issuer{
		audience: opts.DefaultAudience,
		maxTTL:   opts.MaxTTL,
		now:      opts.Now,
		public:   public,
		signer:   signer,
		jwks:     jwks,
	}
	i.SetIssuer(opts.Issuer)
	return i, nil
}

// SetIssuer sets the issuer URL (a trailing slash is dropped), for when it is
// only known once the listener is up.
func (i *Issuer) SetIssuer(url string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.issuer = strings.TrimSuffix(url, "/")
}

// IssuerURL returns the issuer URL ("" until set).
func (i *Issuer) IssuerURL() string {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.issuer
}

// KeyID returns the kid of the signing key.
func (i *Issuer) KeyID() string { return i.public.KeyID }

// JWKS returns the JWK set served at JWKSPath: one RSA key with kid,
// alg RS256 and use sig. The slice is a copy.
func (i *Issuer) JWKS() []byte { return append([]byte(nil), i.jwks...) }

// PublicKeys returns the signing key as a JWK set, for static key sets in tests.
func (i *Issuer) PublicKeys() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{i.public}}
}
