package finalize

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"github.com/cloudevents/sdk-go/v2/event"

	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/version"
)

// deployed returns the event function Cloud Functions runs: the handler is
// built from the environment on the first event, and its error kept next to
// the sync.Once, so every event is retried (not lost) while it is
// misconfigured.
func deployed() func(context.Context, event.Event) error {
	var (
		once sync.Once
		h    *Handler
		err  error
	)
	return func(ctx context.Context, e event.Event) error {
		once.Do(func() {
			var d *config.Deps
			var opts Options
			if d, err = config.FromEnvironment(ctx); err == nil {
				opts, err = options(ctx, d)
			}
			if err != nil {
				slog.Error("function failed to start", "function", Name, "error", err)
				return
			}
			h = New(opts)
			version.LogStart(Name)
		})
		if err != nil {
			return httpapi.NotConfigured(Name, err)
		}
		return h.HandleEvent(ctx, e)
	}
}

// Deploy builds the function from a deployment's dependencies as an HTTP
// handler of binary-mode CloudEvents, as Eventarc posts them: what the
// local stack mounts (Cloud Functions runs the same options through
// deployed).
func Deploy(ctx context.Context, d *config.Deps) (http.Handler, error) {
	opts, err := options(ctx, d)
	if err != nil {
		return nil, err
	}
	return New(opts).HTTP(ctx)
}

// options builds the function's Options from d (see package config for
// the variables).
func options(ctx context.Context, d *config.Deps) (Options, error) {
	n := d.Needs(ctx)
	objects := config.Need(n, d.Objects)
	opts := Options{Store: d.Jobs(), Objects: objects, Bucket: d.Env.JobsBucket,
		Secrets: config.Need(n, d.Custody), Workflow: config.Need(n, d.WorkflowMinter), Audit: d.Audit()}
	if d.Env.ObjectsBucket != "" { // else the object path stays off
		opts.ObjectStore, opts.Copier, opts.ObjectsBucket = d.ObjectStore(), objects, d.Env.ObjectsBucket
	}
	return opts, n.Err()
}
