// Package finalize is the storage-triggered function: Eventarc delivers a
// CloudEvent of type google.cloud.storage.object.v1.finalized for every object
// written to valet's buckets, and finalize moves the job or object it belongs
// to (workspace arrived → QUEUED, output/attestation → SUCCEEDED, object
// upload → READY).
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

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"
	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"

	"valet.dev/valet/shared/httpapi"
)

// Name is the function's name: its entry point and dev-server mount point.
const Name = "finalize"

// EventType is the only CloudEvent type finalize acts on.
const EventType = "google.cloud.storage.object.v1.finalized"

func init() {
	h := New(Options{})
	functions.CloudEvent(Name, h.HandleEvent)
}

// Options holds what the function depends on.
type Options struct{}

// Handler handles storage finalize events.
type Handler struct{ opts Options }

// New builds the event handler.
func New(opts Options) *Handler { return &Handler{opts: opts} }

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

// HandleEvent acknowledges (returns nil) every event it has dealt with or
// can never deal with; a returned error makes Eventarc retry.
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
	slog.InfoContext(ctx, "object finalized", "bucket", obj.Bucket, "object", obj.Name, "generation", obj.Generation)
	return nil
}

// HTTP serves the handler as a binary- or structured-mode CloudEvents HTTP
// receiver, plus the health route.
func (h *Handler) HTTP(ctx context.Context) (http.Handler, error) {
	p, err := cloudevents.NewHTTP()
	if err != nil {
		return nil, fmt.Errorf("finalize: cloudevents protocol: %w", err)
	}
	receiver, err := cloudevents.NewHTTPReceiveHandler(ctx, p, h.HandleEvent)
	if err != nil {
		return nil, fmt.Errorf("finalize: cloudevents receiver: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+httpapi.HealthPath, httpapi.Health(Name))
	mux.Handle("POST /", receiver)
	return mux, nil
}
