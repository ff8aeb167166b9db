package httpapi

import (
	"fmt"
	"net/http"
	"reflect"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
)

// Function is the skeleton every valet HTTP function is built on: its
// name, the dependencies it requires, who may call it and its routes.
// Handler turns it into the function's handler:
//   - GET /healthz answers whatever the configuration (Health), and so
//     does GET /openapi.json with the function's OpenAPI document (OpenAPI);
//   - Public routes are served to anyone, configured or not;
//   - while a required dependency is missing, every other route answers
//     NotConfigured (503; the log names the dependency);
//   - otherwise Routes are served behind WithAuth (401 without a valid
//     credential) and Allow (403 for a principal the function does not
//     serve);
//   - the error a Route returns is answered with WriteError;
//   - unknown paths and methods answer JSON 404/405 (JSONFallback), every
//     request is logged (WithLogging), and with Browser set, browsers on
//     Origins may call the function (WithCORS).
type Function struct {
	// Name is the function's name: its entry point, its health answer
	// and the name its 503 answers give.
	Name string
	// Options is the function's Options struct, and Requires the names of
	// its fields Routes cannot be served without: each must be set (not
	// its zero value).
	Options  any
	Requires []string
	// Authenticate turns a request's credential into a principal.
	Authenticate func(*http.Request) (identity.Principal, error)
	// Allow, when set, refuses an authenticated principal the function
	// does not serve with its error (see Only).
	Allow func(identity.Principal) error
	// Routes are the authenticated routes: ServeMux patterns
	// ("METHOD /path") and their handlers.
	Routes map[string]Route
	// Public routes need no credential and are served whatever Requires
	// says (the tokens function's JWKS, the console's pages, finalize's
	// event receiver).
	Public map[string]Route
	// Browser says browsers call the function: CORS for Origins (none
	// when empty; see WithCORS). Without it the function is for servers
	// only and requests are served whatever their Origin.
	Browser bool
	Origins []string
}

// Route serves one route of a Function. It returns its error rather than
// writing it: Function answers a non-nil error with WriteError, so a Route
// returns an error only before it has written anything.
type Route func(w http.ResponseWriter, r *http.Request) error

// ServeHTTP serves the route, answering its error with WriteError.
func (f Route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		WriteError(w, r, err)
	}
}

// Missing returns the error naming the first field of options, a
// function's Options struct, that is not set ("jobs: Options.Store is not
// set"), or nil.
func Missing(function string, options any, fields ...string) error {
	v := reflect.Indirect(reflect.ValueOf(options))
	if len(fields) > 0 && v.Kind() != reflect.Struct {
		return fmt.Errorf("%s: Options is not a struct", function)
	}
	for _, name := range fields {
		f := v.FieldByName(name)
		if !f.IsValid() {
			return fmt.Errorf("%s: Options has no field %s", function, name)
		}
		if f.IsZero() {
			return fmt.Errorf("%s: Options.%s is not set", function, name)
		}
	}
	return nil
}

// NotConfigured is the one answer of a function that cannot serve because
// its configuration is incomplete: 503 "the NAME function is not
// configured; operators: see the logs", the cause (which dependency, which
// variable) kept for the log only.
func NotConfigured(name string, cause error) *apperr.Error {
	return &apperr.Error{Code: apperr.Unavailable, Message: fmt.Sprintf("the %s function is not configured; operators: see the logs", name), Cause: cause}
}

// Only returns an Allow that lets through principals of kind only, with
// an id; others get 403 with message.
func Only(kind identity.Kind, message string) func(identity.Principal) error {
	return func(p identity.Principal) error {
		if p.Kind != kind || p.ID == "" {
			return apperr.E(apperr.PermissionDenied, "%s", message)
		}
		return nil
	}
}

// Missing returns the error naming the first required field f's Options
// lack (Authenticate too when there are Routes), or nil.
func (f Function) Missing() error {
	if len(f.Routes) > 0 && f.Authenticate == nil {
		return fmt.Errorf("%s: Options.Authenticate is not set", f.Name)
	}
	return Missing(f.Name, f.Options, f.Requires...)
}

// Handler builds the function's handler (see Function).
func (f Function) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+HealthPath, Health(f.Name))
	mux.Handle("GET "+OpenAPIPath, OpenAPI(f.Name))
	for pattern, serve := range f.Public {
		mux.Handle(pattern, serve)
	}
	missing := f.Missing()
	for pattern, serve := range f.Routes {
		mux.Handle(pattern, f.guard(missing, serve))
	}
	if f.Browser {
		return Serve(mux, f.Origins)
	}
	return WithLogging(JSONFallback(mux))
}

// guard serves next behind the configuration check, WithAuth and Allow.
func (f Function) guard(missing error, next Route) http.Handler {
	if missing != nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			WriteError(w, r, NotConfigured(f.Name, missing))
		})
	}
	if f.Allow == nil {
		return WithAuth(f.Authenticate, next)
	}
	return WithAuth(f.Authenticate, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		if err := f.Allow(p); err != nil {
			WriteError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	}))
}
