// Package tokens is the tokens HTTP function: valet API tokens (created once-shown, listed, revoked) and the JWKS that verifies workflow tokens.
//
// init only registers the function; the handler is built by New from its
// Options, so tests and the dev server use it without the global registry.
package tokens

import (
	"context"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"valet.dev/valet/shared/httpapi"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "tokens"

func init() {
	functions.HTTP(Name, httpapi.Lazy(Name, func(ctx context.Context) (http.Handler, error) {
		return New(Options{}), nil
	}))
}

// Options holds what the function depends on.
type Options struct{}

// New builds the function's handler.
func New(opts Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+httpapi.HealthPath, httpapi.Health(Name))
	return mux
}
