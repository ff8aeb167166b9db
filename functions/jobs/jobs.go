// Package jobs is the jobs HTTP function: users submit jobs, get a signed upload URL for the workspace, read status, list, cancel, read events and get download URLs for output and attestation.
//
// Deploy registers the function (config.Register); the handler is built by
// New from its Options, so tests and the dev server use it without the
// global registry.
//
// Every route but GET /healthz needs a user credential (401 without one),
// or the job token of a running job, which acts as its runtime user. A job
// is reached through ownership of a personal job or a role in its project
// (access.Can). A job the caller may not read answers 404 with the same
// body as a job that does not exist; a malformed job id answers 400. The job JSON never
// carries a secret or a signed URL: those appear only in the upload and
// download answers that hand them out, and never reach a log or a store.
package jobs

import (
	"context"
	"net/http"
	"time"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/signer"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "jobs"

// Options holds what the function depends on.
type Options struct {
	// Store keeps the jobs and their events.
	Store job.Store
	// Signer mints the workspace upload and the output and attestation
	// download URLs.
	Signer *signer.Signer
	// Bucket is the jobs bucket, holding the objects job.WorkspaceName and job.ArtifactName name.
	Bucket string
	// Audit records the URLs handed out and the cancellations; stdout
	// only when nil.
	Audit *audit.Writer
	// Authenticate turns a request's credential into a principal: users,
	// and running jobs acting as their runtime user.
	Authenticate func(*http.Request) (identity.Principal, error)
	// VerifyRuntime checks the runtimeToken of a submission: a valet API
	// token or an OIDC ID token of a user (an identity.Authenticator's
	// Verify).
	VerifyRuntime func(ctx context.Context, token string) (identity.Principal, error)
	// Projects gives the caller's role in a job's project.
	Projects project.Store
	// Secrets keeps runtime tokens, and scrubs a cancelled job's secrets.
	Secrets custody.Store
	// AllowedOrigins are the frontend origins whose browsers may call the
	// function (CORS); none when empty.
	AllowedOrigins []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// options builds the function's Options from d.
func options(ctx context.Context, d *config.Deps) (Options, error) {
	n := d.Needs(ctx)
	opts := Options{
		Store: d.Jobs(), Signer: config.Need(n, d.Signer), Bucket: d.Env.JobsBucket, Projects: d.Projects(),
		Secrets: config.Need(n, d.Custody), AllowedOrigins: d.Env.AllowedOrigins, Audit: d.Audit(),
	}
	if auth := config.Need(n, d.UserAuthenticator); auth != nil {
		opts.Authenticate, opts.VerifyRuntime = auth.Authenticate, auth.Verify
	}
	return opts, n.Err()
}

// Deploy builds the function from a deployment's dependencies (see package
// config for the variables): what the local stack mounts, and what Cloud
// Functions runs (config.Register registers it under Name).
var Deploy = config.Register(Name, options, New)

// handler serves the routes; one per New, shared by all requests.
type handler struct {
	store         job.Store
	signer        *signer.Signer
	audit         *audit.Writer
	bucket        string
	verifyRuntime func(ctx context.Context, token string) (identity.Principal, error)
	projects      project.Store
	secrets       custody.Store
	now           func() time.Time
}

// New builds the function's handler. Without one of its dependencies every
// route but GET /healthz answers 503.
func New(opts Options) http.Handler {
	h := &handler{store: opts.Store, signer: opts.Signer, audit: opts.Audit, bucket: opts.Bucket, verifyRuntime: opts.VerifyRuntime,
		projects: opts.Projects, secrets: opts.Secrets, now: opts.Now}
	if h.now == nil {
		h.now = time.Now
	}
	return httpapi.Function{
		Name: Name, Options: opts, Requires: []string{"Store", "Signer", "Bucket", "VerifyRuntime", "Projects", "Secrets"},
		Authenticate: opts.Authenticate,
		Routes: map[string]httpapi.Route{
			"POST /jobs":                 h.create,
			"GET /jobs":                  h.list,
			"GET /jobs/{id}":             h.get,
			"POST /jobs/{id}/upload":     h.upload,
			"POST /jobs/{id}/cancel":     h.cancel,
			"GET /jobs/{id}/output":      h.output,
			"GET /jobs/{id}/attestation": h.attestation,
			"GET /jobs/{id}/events":      h.events,
		},
		Browser: true, Origins: opts.AllowedOrigins,
	}.Handler()
}

// clock returns the current time as Firestore keeps it: UTC, microseconds.
func (h *handler) clock() time.Time {
	return h.now().UTC().Truncate(time.Microsecond)
}
