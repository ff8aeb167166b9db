package httpapi

import (
	"net/http"
	"sync"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/openapi"
)

// OpenAPIPath is the route every function answers with its part of
// valet's OpenAPI document.
const OpenAPIPath = "/openapi.json"

// OpenAPI answers GET /openapi.json with the OpenAPI 3.1 document of the
// named function's own routes (openapi.For), without credentials, like
// GET /healthz (a private function's front door still applies). The
// document is reduced on the first request, not at start, so it costs a
// cold start nothing.
func OpenAPI(name string) http.HandlerFunc {
	var (
		once sync.Once
		body []byte
		err  error
	)
	return func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { body, err = openapi.For(name) })
		if err != nil {
			WriteError(w, r, &apperr.Error{Code: apperr.Internal, Message: "no OpenAPI document for " + name, Cause: err})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	}
}
