// Package objects is the objects HTTP function: personal and project spaces, members and roles, and signed upload and download URLs for shared objects.
//
// init only registers the function; the handler is built by New from its
// Options, so tests and the dev server use it without the global registry.
package objects

import (
	"context"
	"net/http"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"valet.dev/valet/shared/httpapi"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "objects"

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
