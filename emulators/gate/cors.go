package gate

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"valet.dev/valet/terraform/policy"
)

// corsPolicy is a bucket's CORS configuration as Cloud Storage applies it
// (Cloud Storage, "Cross-origin resource sharing (CORS)",
// https://cloud.google.com/storage/docs/cross-origin; the fields are those
// of the bucket resource's cors[]: origin, method, responseHeader,
// maxAgeSeconds). The methods, response headers and max age come from
// terraform/policy/cors.json, which Terraform puts on the deployed buckets;
// the origins are the deployment's.
type corsPolicy struct {
	anyOrigin bool
	origins   map[string]bool
	methods   []string
	headers   []string // responseHeader, as written in cors.json
	maxAge    string
}

func newCORSPolicy(origins []string, rules policy.BucketCORS) (corsPolicy, error) {
	p := corsPolicy{
		origins: map[string]bool{},
		methods: rules.Methods,
		headers: rules.ResponseHeaders,
		maxAge:  strconv.Itoa(rules.MaxAgeSeconds),
	}
	if len(p.methods) == 0 || rules.MaxAgeSeconds < 0 {
		return corsPolicy{}, errors.New("gate: the bucket CORS rules need methods and a non-negative max age")
	}
	for _, o := range origins {
		o = strings.TrimSuffix(strings.TrimSpace(o), "/")
		switch o {
		case "":
			return corsPolicy{}, errors.New("gate: AllowedOrigins holds an empty origin")
		case "*":
			p.anyOrigin = true
		default:
			p.origins[o] = true
		}
	}
	return p, nil
}

// matches reports whether a request from origin with method matches the
// configuration: Cloud Storage compares the Origin header and the method
// with the configuration's origins and methods.
func (p corsPolicy) matches(origin, method string) bool {
	if origin == "" || !(p.anyOrigin || p.origins[origin]) {
		return false
	}
	return slices.Contains(p.methods, method)
}

// allowedHeader reports whether name is in responseHeader (header names
// compare without regard to case).
func (p corsPolicy) allowedHeader(name string) bool {
	return slices.ContainsFunc(p.headers, func(h string) bool { return strings.EqualFold(h, name) })
}

// decorate adds the CORS headers of a real (non-preflight) response, as
// Cloud Storage does for a simple or preflighted request whose origin and
// method match: Access-Control-Allow-Origin echoes the Origin, and
// Access-Control-Expose-Headers lists responseHeader so that the page can
// read them (ETag, x-goog-generation...). Otherwise no CORS header.
func (p corsPolicy) decorate(h http.Header, r *http.Request) {
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if p.matches(origin, r.Method) {
		h.Set("Access-Control-Allow-Origin", origin)
		if len(p.headers) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(p.headers, ", "))
		}
	}
}

// preflight answers an OPTIONS preflight. It succeeds only when the origin
// is allowed, the requested method is listed and every requested header is
// in responseHeader, as Cloud Storage requires; then 200 with
// Access-Control-Allow-Origin (the Origin), -Methods (the listed methods),
// -Headers (the requested ones) and -Max-Age. Otherwise 403 AccessDenied
// without any CORS header, so the browser refuses the real request.
func (p corsPolicy) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	origin := r.Header.Get("Origin")
	method := r.Header.Get("Access-Control-Request-Method")
	if !p.matches(origin, method) {
		writeError(w, r, accessDenied("CORS preflight refused for origin %q and method %q.", clip(origin), clip(method)))
		return
	}
	requested := requestedHeaders(r.Header.Values("Access-Control-Request-Headers"))
	for _, name := range requested {
		if !p.allowedHeader(name) {
			writeError(w, r, accessDenied("CORS preflight refused: the request header %q is not in the bucket's responseHeader list.", clip(name)))
			return
		}
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Methods", strings.Join(p.methods, ", "))
	if len(requested) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(requested, ", "))
	}
	h.Set("Access-Control-Max-Age", p.maxAge)
	w.WriteHeader(http.StatusOK)
}

// requestedHeaders is Access-Control-Request-Headers as a list of
// lowercased names, once each.
func requestedHeaders(lists []string) []string {
	var out []string
	for _, list := range lists {
		for name := range strings.SplitSeq(list, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "" && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}
