package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"valet.dev/valet/shared/version"
)

// Lazy returns a handler that builds the real one on the first request and
// keeps it, or keeps the error next to its sync.Once so every later request
// answers 503 instead of running with a nil dependency. Function packages
// use it when they register (through config.Register), where no context or
// configuration error can be returned. A handler built logs "function started" with the
// release it runs (package version), once per instance.
func Lazy(name string, build func(ctx context.Context) (http.Handler, error)) http.HandlerFunc {
	var (
		once sync.Once
		h    http.Handler
		err  error
	)
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			h, err = build(context.Background())
			if err != nil {
				slog.Error("function failed to start", "function", name, "error", err)
				return
			}
			version.LogStart(name)
		})
		if err != nil {
			WriteError(w, r, NotConfigured(name, err))
			return
		}
		h.ServeHTTP(w, r)
	}
}

// Deployed builds a function's handler on the first request from options
// loaded by load (the deployed environment), with Lazy's error handling,
// for a function whose configuration is not a config.Env (the console);
// the others use config.Deployed.
func Deployed[O any](name string, load func(ctx context.Context) (O, error), build func(O) http.Handler) http.HandlerFunc {
	return Lazy(name, func(ctx context.Context) (http.Handler, error) {
		opts, err := load(ctx)
		if err != nil {
			return nil, err
		}
		return build(opts), nil
	})
}
