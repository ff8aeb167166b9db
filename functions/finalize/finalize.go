// Package finalize is the storage-triggered function: Eventarc delivers a
// CloudEvent of type google.cloud.storage.object.v1.finalized for every object
// written to valet's buckets, and finalize moves the job or object it belongs
// to (workspace arrived → QUEUED, output/attestation → SUCCEEDED, object
// upload → copied to the object's key, READY).
//
// init only registers the CloudEvent function; HTTP serves the same handler
// behind a binary-mode CloudEvents receiver for the dev server and tests.
package finalize

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
)

// Name is the function's name: its entry point and dev-server mount point.
const Name = "finalize"

// EventType is the only CloudEvent type finalize acts on.
const EventType = "google.cloud.storage.object.v1.finalized"

func init() {
	functions.CloudEvent(Name, deployed())
}

// Options holds what the function depends on.
type Options struct {
	Store   job.Store
	Objects gcs.Deleter
	// Bucket is the jobs bucket. Events of buckets other than Bucket and
	// ObjectsBucket are acknowledged and logged.
	Bucket string
	// ObjectStore keeps shared objects and Copier copies an upload to its
	// object's key; both required when ObjectsBucket is set.
	ObjectStore object.Store
	Copier      gcs.Copier
	// ObjectsBucket is the bucket of shared objects; "" leaves the object
	// path off (its events are acknowledged like any other bucket's).
	ObjectsBucket string
	// Secrets and Workflow mint and keep a job's workflow token once it is
	// queued, and scrub a job's secrets once it has succeeded. Without them
	// dispatch mints the token at the first claim and the sweep scrubs.
	Secrets  custody.Store
	Workflow custody.Minter
	// Audit records the workflow tokens minted; stdout only when nil.
	Audit *audit.Writer
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Handler handles storage finalize events.
type Handler struct {
	opts    Options
	missing error // the first required option not set
}

// New builds the event handler. Without one of its dependencies every
// event answers NotConfigured, so Eventarc retries it.
func New(opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	required := []string{"Store", "Objects"}
	if opts.ObjectsBucket != "" {
		required = append(required, "ObjectStore", "Copier")
	}
	return &Handler{opts: opts, missing: httpapi.Missing(Name, opts, required...)}
}

// StorageObject is the part of the storage object JSON (the event body) that
// valet reads.
type StorageObject struct {
	Bucket      string `json:"bucket"`
	Name        string `json:"name"`
	Generation  string `json:"generation"`
	Size        string `json:"size"`
	MD5Hash     string `json:"md5Hash"`
	ContentType string `json:"contentType"`
}

// eventTimeout bounds the work of one event, so a slow database turns into
// a retried delivery rather than a hung one.
const eventTimeout = time.Minute

// HandleEvent acknowledges (returns nil) every event it has dealt with or
// can never deal with; a returned error makes Eventarc retry, which it does
// only for transient failures (the database or storage unavailable or busy).
//
// Events are at-least-once and unordered: the job transitions deduplicate on
// the object generation and never leave a final state, so a redelivered or
// late event changes nothing it should not. An upload the job refuses (a
// size or MD5 mismatch, or an object arriving in a state that takes none)
// is recorded as UPLOAD_REJECTED and that generation of the object deleted.
// Uploads to the objects bucket make their object READY or REJECTED the
// same way (see sharedObject).
func (h *Handler) HandleEvent(ctx context.Context, e event.Event) error {
	if e.Type() != EventType {
		slog.InfoContext(ctx, "ignoring event of another type", "type", e.Type(), "id", e.ID())
		return nil
	}
	var obj StorageObject
	if err := json.Unmarshal(e.Data(), &obj); err != nil {
		slog.WarnContext(ctx, "ignoring finalize event with unreadable body", "id", e.ID(), "error", err)
		return nil
	}
	log := slog.With("id", e.ID(), "bucket", obj.Bucket, "object", obj.Name, "generation", obj.Generation)
	if h.missing != nil {
		log.ErrorContext(ctx, "finalize is not configured; the event will be retried", "error", h.missing)
		return httpapi.NotConfigured(Name, h.missing)
	}
	a, err := obj.arrival()
	if err != nil {
		log.WarnContext(ctx, "ignoring finalize event with a bad object", "error", err)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, eventTimeout)
	defer cancel()
	switch {
	case obj.Bucket == h.opts.Bucket:
		return h.jobObject(ctx, log, obj, a)
	case h.opts.ObjectsBucket != "" && obj.Bucket == h.opts.ObjectsBucket:
		return h.sharedObject(ctx, log, obj, a)
	}
	log.WarnContext(ctx, "ignoring object of a bucket finalize does not handle")
	return nil
}

// arrival reads the generation, size and MD5 of the object. GCS JSON sends
// the 64-bit numbers as strings.
func (o StorageObject) arrival() (job.Arrival, error) {
	gen, err := strconv.ParseInt(o.Generation, 10, 64)
	if err != nil || gen <= 0 {
		return job.Arrival{}, fmt.Errorf("generation %q is not a positive integer", o.Generation)
	}
	size, err := strconv.ParseInt(o.Size, 10, 64)
	if err != nil || size < 0 {
		return job.Arrival{}, fmt.Errorf("size %q is not a non-negative integer", o.Size)
	}
	return job.Arrival{Generation: gen, SizeBytes: size, MD5: o.MD5Hash}, nil
}

// HTTP serves the handler as a binary- or structured-mode CloudEvents HTTP
// receiver on the skeleton every function shares (httpapi.Function: health,
// OpenAPI, logging, JSON 404 and 405).
func (h *Handler) HTTP(ctx context.Context) (http.Handler, error) {
	p, err := cloudevents.NewHTTP()
	if err != nil {
		return nil, fmt.Errorf("finalize: cloudevents protocol: %w", err)
	}
	receiver, err := cloudevents.NewHTTPReceiveHandler(ctx, p, h.HandleEvent)
	if err != nil {
		return nil, fmt.Errorf("finalize: cloudevents receiver: %w", err)
	}
	// The receiver takes no credential of valet's own: Cloud Run's front
	// door admits only Eventarc's trigger account
	// (terraform/policy/invokers.json), and a missing dependency is
	// answered per event (HandleEvent).
	return httpapi.Function{Name: Name, Public: map[string]httpapi.Route{"POST /": func(w http.ResponseWriter, r *http.Request) error {
		receiver.ServeHTTP(w, r)
		return nil
	}}}.Handler(), nil
}
