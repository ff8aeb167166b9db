// Package console is the console HTTP function: valet's own web frontend, a
// small single-page app (plain HTML, CSS and ES modules embedded in the
// binary, no build step) that signs people in with the OpenID Connect
// authorization-code flow with PKCE and calls the jobs, objects and tokens
// functions from the browser. Bytes go straight between the browser and
// Cloud Storage through the signed URLs those functions hand out.
//
// The function serves the app's files and GET /config.json (the function
// URLs, the issuer's endpoints and the client id the app needs), every
// answer with a strict Content-Security-Policy: scripts only from the
// console itself (no inline script), connections only to the console, the
// three API functions, the issuer's token endpoint and the storage host.
// Tokens live in the page's memory only; no token, code verifier or signed
// URL is written to the URL bar, to storage or to a cookie.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strings"

	"github.com/GoogleCloudPlatform/functions-framework-go/functions"

	"valet.dev/valet/shared/httpapi"
)

// Name is the function's name: its Cloud Functions entry point and its
// mount point on the dev server.
const Name = "console"

// ConfigPath is where the app reads its configuration.
const ConfigPath = "/config.json"

//go:embed web
var webFiles embed.FS

func init() {
	functions.HTTP(Name, httpapi.Deployed(Name, fromEnvironment, New))
}

// Options holds what the function serves.
type Options struct {
	Config Config
}

// New builds the function's handler on the skeleton every function shares
// (httpapi.Function): its routes need no credential. With an incomplete
// Config every route but GET /healthz and GET /openapi.json answers 503.
func New(opts Options) http.Handler {
	if err := opts.Config.Check(); err != nil {
		return httpapi.Function{Name: Name, Public: map[string]httpapi.Route{"/": func(http.ResponseWriter, *http.Request) error {
			return httpapi.NotConfigured(Name, err)
		}}}.Handler()
	}
	body, _ := json.Marshal(opts.Config)
	sub, _ := fs.Sub(webFiles, "web")
	files := http.FileServerFS(sub)
	// No CORS here (not Browser): the console's own page is its only caller
	// (its module scripts are fetched with an Origin header, same-origin).
	return withSecurityHeaders(opts.Config.ContentSecurityPolicy(), httpapi.Function{Name: Name, Public: map[string]httpapi.Route{
		"GET " + ConfigPath: func(w http.ResponseWriter, _ *http.Request) error {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-cache")
			_, _ = w.Write(body)
			return nil
		},
		"GET /": func(w http.ResponseWriter, r *http.Request) error {
			if r.URL.Path != "/" && !exists(sub, strings.TrimPrefix(r.URL.Path, "/")) {
				httpapi.NotFound(w, r)
				return nil
			}
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
			return nil
		},
	}}.Handler())
}

func exists(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && !st.IsDir()
}

// withSecurityHeaders adds the headers every answer of the console carries.
func withSecurityHeaders(csp string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
