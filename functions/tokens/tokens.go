// Package tokens is the tokens HTTP function: valet API tokens (created once-shown, listed, revoked) and the JWKS that verifies workflow tokens.
//
// Deploy registers the function (config.Register); the handler is built by
// New from its Options, so tests and the dev server use it without the
// global registry.
package tokens

import (
	"context"
	"net/http"
	"time"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "tokens"

// JWKSPath is where the JWKS of workflow tokens is served, without auth.
const JWKSPath = "/.well-known/jwks.json"

// Options holds what the function depends on.
type Options struct {
	// Tokens are the API tokens (their rules, over an apitoken.Store).
	Tokens *apitoken.Tokens
	// Audit records the tokens minted and revoked; stdout only when nil.
	Audit *audit.Writer
	// Authenticate turns a request's credential into a principal; only user
	// principals are served.
	Authenticate func(*http.Request) (identity.Principal, error)
	// MaxLifetime is the longest lifetime a new token may ask for; the
	// store's maximum (apitoken.DefaultMaxLifetime, 90 days) when zero.
	MaxLifetime time.Duration
	// JWKS returns the public keys of workflow tokens as a JWKS document;
	// nil serves {"keys":[]}.
	JWKS func(ctx context.Context) ([]byte, error)
	// AllowedOrigins are the frontend origins whose browsers may call the
	// function (CORS); none when empty.
	AllowedOrigins []string
	// Now is the clock; time.Now when nil. It only dates requests; token
	// times come from the store's clock.
	Now func() time.Time
}

// options builds the function's Options from d.
func options(ctx context.Context, d *config.Deps) (Options, error) {
	n := d.Needs(ctx)
	opts := Options{Tokens: d.APITokens(), Authenticate: config.Need(n, d.UserAuth), AllowedOrigins: d.Env.AllowedOrigins, Audit: d.Audit()}
	if keys := config.Need(n, d.WorkflowKeys); keys != nil {
		opts.JWKS = keys.JWKS
	}
	return opts, n.Err()
}

// Deploy builds the function from a deployment's dependencies (see package
// config for the variables): what the local stack mounts, and what Cloud
// Functions runs (config.Register registers it under Name).
var Deploy = config.Register(Name, options, New)

type handler struct {
	tokens *apitoken.Tokens
	audit  *audit.Writer
	max    time.Duration
	jwks   func(ctx context.Context) ([]byte, error)
	now    func() time.Time
}

// New builds the function's handler. Without Tokens or Authenticate the
// token routes answer 503; health and JWKS are always served.
func New(opts Options) http.Handler {
	h := &handler{tokens: opts.Tokens, audit: opts.Audit, max: opts.MaxLifetime, jwks: opts.JWKS, now: opts.Now}
	if h.now == nil {
		h.now = time.Now
	}
	if h.tokens != nil {
		if h.max <= 0 || h.max > h.tokens.MaxLifetime() {
			h.max = h.tokens.MaxLifetime()
		}
	}
	return httpapi.Function{
		Name: Name, Options: opts, Requires: []string{"Tokens"},
		Authenticate: opts.Authenticate,
		Allow:        httpapi.Only(identity.User, "API tokens are managed by users only"),
		Routes: map[string]httpapi.Route{
			"POST /tokens":        h.create,
			"GET /tokens":         h.list,
			"DELETE /tokens/{id}": h.revoke,
		},
		Public:  map[string]httpapi.Route{"GET " + JWKSPath: h.serveJWKS},
		Browser: true, Origins: opts.AllowedOrigins,
	}.Handler()
}
