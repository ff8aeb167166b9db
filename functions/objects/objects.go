// Package objects is the objects HTTP function: personal and project spaces, members and roles, and signed upload and download URLs for shared objects.
//
// Deploy registers the function (config.Register); the handler is built by
// New from its Options, so tests and the dev server use it without the
// global registry.
//
// Access lives in valet's own Firestore data, decided by access.Can: a
// user owns their personal space users/<uid>; project members act by role
// (viewer reads, editor writes, owner manages). A caller that may not read
// a space, project or object gets 404, exactly as if it did not exist; one
// that may read it but not do what it asked gets 403. Bytes never pass
// through the function: uploads and downloads are signed URLs, copies and
// revocations are server-side copies.
package objects

import (
	"context"
	"net/http"
	"time"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/signer"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "objects"

// Storage is what the function does to bytes itself: server-side copies
// and deletes (a *gcs.Client).
type Storage interface {
	Copy(ctx context.Context, bucket, src string, srcGeneration int64, dst string) (gcs.Copied, error)
	Delete(ctx context.Context, bucket, object string, generation int64) error
}

// Options holds what the function depends on.
type Options struct {
	// Objects keeps object metadata and per-space usage.
	Objects object.Store
	// Projects keeps projects and their members.
	Projects project.Store
	// Storage copies and deletes bytes in Bucket.
	Storage Storage
	// Signer mints the upload and download URLs.
	Signer *signer.Signer
	// Bucket is the objects bucket.
	Bucket string
	// QuotaBytes is each space's byte quota, pending uploads included;
	// object.DefaultQuotaBytes when zero.
	QuotaBytes int64
	// Audit records the capabilities the function hands out; stdout only
	// when nil.
	Audit *audit.Writer
	// AuditLog holds the audit entries GET /spaces/{space}/audit reads;
	// that route answers 503 without it.
	AuditLog audit.Log
	// Authenticate turns a request's credential into a principal: users,
	// and running jobs acting as their runtime user.
	Authenticate func(*http.Request) (identity.Principal, error)
	// AllowedOrigins are the frontend origins whose browsers may call the
	// function (CORS); none when empty.
	AllowedOrigins []string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// options builds the function's Options from d.
func options(ctx context.Context, d *config.Deps) (Options, error) {
	if err := d.Env.NeedObjectsBucket(); err != nil {
		return Options{}, err
	}
	n := d.Needs(ctx)
	opts := Options{
		Objects: d.ObjectStore(), Projects: d.Projects(), Storage: config.Need(n, d.Objects), Signer: config.Need(n, d.Signer),
		Bucket: d.Env.ObjectsBucket, QuotaBytes: d.Env.SpaceQuotaBytes, Authenticate: config.Need(n, d.UserAuth),
		AllowedOrigins: d.Env.AllowedOrigins, Audit: d.Audit(), AuditLog: d.AuditStore(),
	}
	return opts, n.Err()
}

// Deploy builds the function from a deployment's dependencies (see package
// config for the variables): what the local stack mounts, and what Cloud
// Functions runs (config.Register registers it under Name).
var Deploy = config.Register(Name, options, New)

// handler serves the routes; one per New, shared by all requests.
type handler struct {
	objects  object.Store
	projects project.Store
	storage  Storage
	signer   *signer.Signer
	audit    *audit.Writer
	auditLog audit.Log
	bucket   string
	quota    int64
	now      func() time.Time
}

// New builds the function's handler. Without one of its dependencies every
// route but GET /healthz answers 503.
func New(opts Options) http.Handler {
	h := &handler{objects: opts.Objects, projects: opts.Projects, storage: opts.Storage, signer: opts.Signer,
		audit: opts.Audit, auditLog: opts.AuditLog, bucket: opts.Bucket, quota: opts.QuotaBytes, now: opts.Now}
	if h.now == nil {
		h.now = time.Now
	}
	if h.quota <= 0 {
		h.quota = object.DefaultQuotaBytes
	}
	return httpapi.Function{
		Name: Name, Options: opts, Requires: []string{"Objects", "Projects", "Storage", "Signer", "Bucket"},
		Authenticate: opts.Authenticate,
		Routes:       h.routes(),
		Browser:      true, Origins: opts.AllowedOrigins,
	}.Handler()
}

// routes maps every route but health to its handler (see the doc of each
// handler for its contract).
func (h *handler) routes() map[string]httpapi.Route {
	return map[string]httpapi.Route{
		"GET /spaces":                               h.spaces,
		"POST /projects":                            h.createProject,
		"GET /projects/{project}":                   h.getProject,
		"DELETE /projects/{project}":                h.deleteProject,
		"PUT /projects/{project}/members/{user}":    h.setMember,
		"DELETE /projects/{project}/members/{user}": h.removeMember,
		"POST /spaces/{kind}/{owner}/objects":       h.createObject,
		"GET /spaces/{kind}/{owner}/objects":        h.listObjects,
		"GET /spaces/{kind}/{owner}/audit":          h.listAudit,
		"GET /objects/{id}":                         h.getObject,
		"GET /objects/{id}/download":                h.download,
		"POST /objects/{id}/copy":                   h.copyObject,
		"POST /objects/{id}/revoke":                 h.revoke,
		"DELETE /objects/{id}":                      h.deleteObject,
	}
}

// clock returns the current time as Firestore keeps it: UTC, microseconds.
func (h *handler) clock() time.Time {
	return h.now().UTC().Truncate(time.Microsecond)
}
