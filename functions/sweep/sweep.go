// Package sweep is the sweep HTTP function, called by Cloud Scheduler: it expires stale uploads, requeues dead leases, times out jobs, destroys leftover secrets and upgrades a bounded batch of stored documents (schema migrations, package migrate).
//
// Deploy registers the function (config.Register); the handler is built by
// New from its Options, so tests and the dev server use it without the
// global registry.
//
// One run handles at most Options.BatchSize due jobs; the scheduler's next
// run picks up the rest. A run is idempotent: right after one, the next
// finds nothing due.
package sweep

import (
	"context"
	"net/http"
	"time"

	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "sweep"

// DefaultBatchSize is how many due jobs one run handles unless
// Options.BatchSize says otherwise.
const DefaultBatchSize = 100

// Options holds what the function depends on.
type Options struct {
	// Store keeps the jobs.
	Store job.Store
	// Objects deletes the workspaces of expired jobs.
	Objects gcs.Deleter
	// Secrets destroys the runtime and workflow tokens of final jobs (a
	// custody.Store).
	Secrets custody.Secrets
	// ObjectStore and ObjectsBucket, when set, let the sweep expire shared
	// objects whose upload never arrived (Objects deletes their bytes).
	ObjectStore   object.Store
	ObjectsBucket string
	// Projects, with ObjectStore and ObjectsBucket, lets the sweep finish
	// project deletes that failed half-way.
	Projects project.Store
	// Bucket is the private jobs bucket.
	Bucket string
	// Authenticate verifies the caller: the scheduler's service account.
	Authenticate func(*http.Request) (identity.Principal, error)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// BatchSize is the most jobs one run handles; DefaultBatchSize when
	// zero or negative.
	BatchSize int
	// Migrations, when set, upgrades at most MigrationBatch stored
	// documents per run (DefaultMigrationBatch when zero or negative).
	Migrations     Migrator
	MigrationBatch int
}

// options builds the function's Options from d.
func options(ctx context.Context, d *config.Deps) (Options, error) {
	n := d.Needs(ctx)
	opts := Options{Store: d.Jobs(), Objects: config.Need(n, d.Objects), Secrets: config.Need(n, d.Custody), Bucket: d.Env.JobsBucket,
		Authenticate: config.Need(n, d.ServiceAuth(authn.AcceptStripped)), Migrations: d.Migrations()}
	if d.Env.ObjectsBucket != "" {
		opts.ObjectStore, opts.ObjectsBucket, opts.Projects = d.ObjectStore(), d.Env.ObjectsBucket, d.Projects()
	}
	return opts, n.Err()
}

// Deploy builds the function from a deployment's dependencies (see package
// config for the variables): what the local stack mounts, and what Cloud
// Functions runs (config.Register registers it under Name).
var Deploy = config.Register(Name, options, New)

// server holds the dependencies of the handler.
type server struct {
	store          job.Store
	storage        gcs.Deleter
	secrets        custody.Secrets
	objectStore    object.Store
	objectsBucket  string
	projectStore   project.Store
	bucket         string
	now            func() time.Time
	batch          int
	migrations     Migrator
	migrationBatch int
}

// New builds the function's handler. Without one of its dependencies every
// route but GET /healthz answers 503.
func New(opts Options) http.Handler {
	s := &server{store: opts.Store, storage: opts.Objects, secrets: opts.Secrets, objectStore: opts.ObjectStore,
		objectsBucket: opts.ObjectsBucket, projectStore: opts.Projects, bucket: opts.Bucket, now: opts.Now, batch: opts.BatchSize,
		migrations: opts.Migrations, migrationBatch: opts.MigrationBatch}
	if s.now == nil {
		s.now = time.Now
	}
	if s.batch <= 0 {
		s.batch = DefaultBatchSize
	}
	if s.migrationBatch <= 0 {
		s.migrationBatch = DefaultMigrationBatch
	}
	return httpapi.Function{
		Name: Name, Options: opts, Requires: []string{"Store", "Objects", "Secrets", "Bucket"},
		Authenticate: opts.Authenticate,
		Allow:        httpapi.Only(identity.Service, "only the scheduler's service account may run the sweep"),
		Routes:       map[string]httpapi.Route{"POST /sweep": s.sweep, "POST /{$}": s.sweep},
	}.Handler()
}
