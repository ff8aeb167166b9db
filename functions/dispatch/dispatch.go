// Package dispatch is the dispatch HTTP function: dispatcher service accounts claim a queued job under a fenced lease, fetch its auth bundle, heartbeat and report its state.
//
// init only registers the function; the handler is built by New from its
// Options, so tests and the dev server use it without the global registry.
//
// Every route needs a service principal (a dispatcher on the allow-list):
// other callers get 401 without a credential and 403 with one. The lock
// holder is the principal's id; a call carrying an epoch other than the
// job's current one gets 409, a final job 410.
package dispatch

import (
	"errors"
	"net/http"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/signer"
	"valet.dev/valet/shared/workflow"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "dispatch"

func init() {
	functions.HTTP(Name, config.Deployed(Name, Deploy))
}

// Options holds what the function depends on.
type Options struct {
	// Store keeps the jobs.
	Store job.Store
	// Signer mints the signed URLs of the auth bundle.
	Signer *signer.Signer
	// Bucket is the private jobs bucket.
	Bucket string
	// Secrets keeps the jobs' runtime and workflow tokens.
	Secrets *custody.Store
	// Workflow mints workflow tokens when a job has none yet.
	Workflow *workflow.Minter
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

// server holds the dependencies the handlers share.
type server struct {
	audit     *audit.Writer
	store     job.Store
	signer    *signer.Signer
	bucket    string
	secrets   *custody.Store
	workflow  *workflow.Minter
	jobTokens *jobtoken.Issuer
	now       func() time.Time
}

// New builds the function's handler.
func New(opts Options) http.Handler {
	s := &server{store: opts.Store, signer: opts.Signer, bucket: opts.Bucket, secrets: opts.Secrets,
		workflow: opts.Workflow, jobTokens: opts.JobTokens, audit: opts.Audit, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	authenticate := opts.Authenticate
	if authenticate == nil {
		authenticate = func(*http.Request) (identity.Principal, error) {
			return identity.Principal{}, apperr.E(apperr.Unauthenticated, "no credential is accepted: the function has no authenticator configured")
		}
	}
	guard := func(h http.HandlerFunc) http.Handler {
		if err := opts.missing(); err != nil {
			return unavailable(err)
		}
		return httpapi.WithAuth(authenticate, requireService(h))
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+httpapi.HealthPath, httpapi.Health(Name))
	mux.Handle("POST /claim", guard(s.claim))
	mux.Handle("GET /jobs/{id}/auth", guard(s.auth))
	mux.Handle("POST /jobs/{id}/heartbeat", guard(s.heartbeat))
	mux.Handle("POST /jobs/{id}/state", guard(s.state))
	return httpapi.WithLogging(httpapi.JSONFallback(mux))
}

// missing names the first dependency opts lacks, if any.
func (o Options) missing() error {
	switch {
	case o.Store == nil:
		return errors.New("dispatch: Options.Store is not set")
	case o.Signer == nil:
		return errors.New("dispatch: Options.Signer is not set")
	case o.Bucket == "":
		return errors.New("dispatch: Options.Bucket is not set")
	case o.Secrets == nil || o.Workflow == nil || o.JobTokens == nil:
		return errors.New("dispatch: Options.Secrets, Workflow and JobTokens are required")
	}
	return nil
}

// unavailable answers 503 on every call: the function is not configured.
func unavailable(cause error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, &apperr.Error{Code: apperr.Unavailable, Message: "the service is not configured; operators: see the logs", Cause: cause})
	})
}

// requireService lets only service principals through (403 otherwise).
func requireService(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := httpapi.PrincipalFrom(r.Context())
		if !ok || p.Kind != identity.Service || p.ID == "" {
			httpapi.WriteError(w, r, apperr.E(apperr.PermissionDenied, "only dispatcher service accounts may call dispatch"))
			return
		}
		next(w, r)
	})
}

// holder is the lock holder a request speaks for: its principal's id.
func holder(r *http.Request) string {
	p, _ := httpapi.PrincipalFrom(r.Context())
	return p.ID
}
