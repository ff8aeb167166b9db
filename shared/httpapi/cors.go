package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/terraform/policy"
)

// A browser on another origin calls the API only after a preflight: a
// bearer token and a JSON body are not "simple" requests (Fetch standard,
// "CORS protocol"), and a Cloud Run function answers its preflights itself
// (Google's "HTTP CORS" sample for Cloud Run functions,
// https://cloud.google.com/functions/docs/samples/functions-http-cors, sets
// the headers in the function and answers OPTIONS with 204). WithCORS answers
// those preflights from the "api" rules of terraform/policy/cors.json, the
// same file the buckets' CORS comes from, for the configured frontend
// origins only.

// WithCORS wraps a function's handler next so that browsers on origins may
// call it:
//   - a preflight (OPTIONS with Origin and Access-Control-Request-Method)
//     from an allowed origin, for a method the path's route has, asking only
//     for allowed request headers, answers 204 with
//     Access-Control-Allow-Origin (the origin itself, never "*"), the
//     route's methods, the allowed request headers and
//     Access-Control-Max-Age, and no Access-Control-Allow-Credentials:
//     valet's credential is a bearer token, never a cookie. Any other
//     preflight answers 403 (404 for a path with no route) without CORS
//     headers, so the browser refuses the request;
//   - a request with an Origin header that is not allowed answers 403
//     before it reaches next; one from an allowed origin gets
//     Access-Control-Allow-Origin and Access-Control-Expose-Headers;
//   - every answer carries Vary: Origin.
//
// routes is the function's mux: it says which methods a path has.
func WithCORS(origins []string, routes *http.ServeMux, next http.Handler) http.Handler {
	rules := policy.LoadCORS().API
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[o] = true
	}
	headers := map[string]bool{}
	for _, h := range rules.RequestHeaders {
		headers[strings.ToLower(h)] = true
	}
	c := &cors{allowed: allowed, rules: rules, headers: headers, routes: routes}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			c.preflight(w, r, origin)
			return
		}
		if origin != "" {
			if !allowed[origin] {
				WriteError(w, r, refusedOrigin(origin))
				return
			}
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Set("Access-Control-Expose-Headers", strings.Join(rules.ExposeHeaders, ", "))
		}
		next.ServeHTTP(w, r)
	})
}

type cors struct {
	allowed map[string]bool
	rules   policy.APICORS
	headers map[string]bool // lower case
	routes  *http.ServeMux
}

func refusedOrigin(origin string) error {
	return apperr.E(apperr.PermissionDenied, "origin %q may not call this API; operators: add it to VALET_ALLOWED_ORIGINS", origin)
}

func (c *cors) preflight(w http.ResponseWriter, r *http.Request, origin string) {
	h := w.Header()
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if !c.allowed[origin] {
		WriteError(w, r, refusedOrigin(origin))
		return
	}
	methods := c.methods(r)
	if len(methods) == 0 {
		WriteError(w, r, apperr.E(apperr.NotFound, "no such route: %s", r.URL.Path))
		return
	}
	want := r.Header.Get("Access-Control-Request-Method")
	if !slices.Contains(methods, want) {
		WriteError(w, r, apperr.E(apperr.PermissionDenied, "%s is not a method of %s; it has %s", want, r.URL.Path, strings.Join(methods, ", ")))
		return
	}
	for _, name := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "" && !c.headers[name] {
			WriteError(w, r, apperr.E(apperr.PermissionDenied, "request header %q is not allowed; allowed: %s", name, strings.Join(c.rules.RequestHeaders, ", ")))
			return
		}
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", strings.Join(methods, ", "))
	h.Set("Access-Control-Allow-Headers", strings.Join(c.rules.RequestHeaders, ", "))
	h.Set("Access-Control-Max-Age", strconv.Itoa(c.rules.MaxAgeSeconds))
	w.WriteHeader(http.StatusNoContent)
}

// methods returns the methods of cors.json that r's path has a route for.
func (c *cors) methods(r *http.Request) []string {
	var out []string
	for _, m := range c.rules.Methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := c.routes.Handler(probe); pattern != "" {
			out = append(out, m)
		}
	}
	return out
}

// ParseOrigins reads a comma-separated list of frontend origins, each
// scheme://host[:port] with scheme http or https and nothing after the
// authority (a trailing slash is dropped). "*" is refused: valet names the
// frontends it trusts.
func ParseOrigins(raw string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(raw, ",") {
		o = strings.TrimSuffix(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		origin, err := ParseOrigin(o)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, origin) {
			out = append(out, origin)
		}
	}
	return out, nil
}

// ParseOrigin checks one origin as ParseOrigins does and returns it in the
// form browsers send: lower-case scheme and host.
func ParseOrigin(o string) (string, error) {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(o, "?") {
		return "", fmt.Errorf("origin %q must be http(s)://host[:port] with nothing after it", o)
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host), nil
}

// Serve is the edge of every HTTP function: routes (the mux) behind JSON
// 404/405 answers, CORS for the frontend origins, and the request log.
func Serve(routes *http.ServeMux, origins []string) http.Handler {
	return WithLogging(WithCORS(origins, routes, JSONFallback(routes)))
}
