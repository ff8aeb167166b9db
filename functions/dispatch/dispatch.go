// Package dispatch is the dispatch HTTP function: dispatcher service accounts claim a queued job under a fenced lease, fetch its auth bundle, heartbeat and report its state.
//
// Deploy registers the function (config.Register); the handler is built by
// New from its Options, so tests and the dev server use it without the
// global registry.
//
// Every route needs a service principal (a dispatcher on the allow-list):
// other callers get 401 without a credential and 403 with one. The lock
// holder is the principal's id; a call carrying an epoch other than the
// job's current one gets 409, a final job 410.
package dispatch

import (
	"context"
	"net/http"
	"time"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/signer"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "dispatch"

// Options holds what the function depends on.
type Options struct {
	// Store keeps the jobs.
	Store job.Store
	// Signer mints the signed URLs of the auth bundle.
	Signer *signer.Signer
	// Bucket is the private jobs bucket.
	Bucket string
	// Secrets keeps the jobs' runtime and workflow tokens.
	Secrets custody.Store
	// Workflow mints workflow tokens when a job has none yet.
	Workflow custody.Minter
	// Audit records the bundles handed out and the tokens minted; stdout
	// only when nil.
	Audit *audit.Writer
	// JobTokens mints the per-epoch job tokens of the bundle.
	JobTokens *jobtoken.Issuer
	// Authenticate verifies the caller: service accounts on the
	// dispatchers allow-list.
	Authenticate func(*http.Request) (identity.Principal, error)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// options builds the function's Options from d.
func options(ctx context.Context, d *config.Deps) (Options, error) {
	n := d.Needs(ctx)
	opts := Options{
		Store: d.Jobs(), Signer: config.Need(n, d.Signer), Bucket: d.Env.JobsBucket, Secrets: config.Need(n, d.Custody),
		Workflow: config.Need(n, d.WorkflowMinter), JobTokens: config.Need(n, d.JobTokenIssuer),
		Authenticate: config.Need(n, d.ServiceAuth(authn.RefuseStripped)), Audit: d.Audit(),
	}
	return opts, n.Err()
}

// Deploy builds the function from a deployment's dependencies (see package
// config for the variables): what the local stack mounts, and what Cloud
// Functions runs (config.Register registers it under Name).
var Deploy = config.Register(Name, options, New)

// server holds the dependencies the handlers share.
type server struct {
	audit     *audit.Writer
	store     job.Store
	signer    *signer.Signer
	bucket    string
	secrets   custody.Store
	workflow  custody.Minter
	jobTokens *jobtoken.Issuer
	now       func() time.Time
}

// New builds the function's handler. Without one of its dependencies every
// route but GET /healthz answers 503.
func New(opts Options) http.Handler {
	s := &server{store: opts.Store, signer: opts.Signer, bucket: opts.Bucket, secrets: opts.Secrets,
		workflow: opts.Workflow, jobTokens: opts.JobTokens, audit: opts.Audit, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return httpapi.Function{
		Name: Name, Options: opts, Requires: []string{"Store", "Signer", "Bucket", "Secrets", "Workflow", "JobTokens"},
		Authenticate: opts.Authenticate,
		Allow:        httpapi.Only(identity.Service, "only dispatcher service accounts may call dispatch"),
		Routes: map[string]httpapi.Route{
			"POST /claim":               s.claim,
			"GET /jobs/{id}/auth":       s.auth,
			"POST /jobs/{id}/heartbeat": s.heartbeat,
			"POST /jobs/{id}/state":     s.state,
		},
	}.Handler()
}

// holder is the lock holder a request speaks for: its principal's id.
func holder(r *http.Request) string {
	p, _ := httpapi.PrincipalFrom(r.Context())
	return p.ID
}
