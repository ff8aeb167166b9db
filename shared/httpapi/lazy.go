package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"valet.dev/valet/shared/apperr"
)

// Lazy returns a handler that builds the real one on the first request and
// keeps it, or keeps the error next to its sync.Once so every later request
// answers 503 instead of running with a nil dependency. Function packages use
// it in init, where no context or configuration error can be returned.
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
			}
		})
		if err != nil {
			WriteJSON(w, http.StatusServiceUnavailable, ErrorBody{Error: ErrorDetail{
				Code: apperr.Unavailable, Message: "the service is not configured; operators: see the logs",
			}})
			return
		}
		h.ServeHTTP(w, r)
	}
}
