package gate

import (
	"errors"
	"net/http"
	"slices"
	"strings"
)

const (
	corsAllowMethods  = "GET, PUT, HEAD"
	corsExposeHeaders = "ETag, x-goog-generation, x-goog-hash"
	corsMaxAge        = "3600"
)

// corsPolicy answers browsers from the allowed frontend origins.
type corsPolicy struct {
	anyOrigin bool
	origins   map[string]bool
}

func newCORSPolicy(origins []string) (corsPolicy, error) {
	p := corsPolicy{origins: map[string]bool{}}
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

// allow returns the Access-Control-Allow-Origin value for origin, or false.
func (p corsPolicy) allow(origin string) (string, bool) {
	switch {
	case origin == "":
		return "", false
	case p.origins[origin]:
		return origin, true
	case p.anyOrigin:
		return "*", true
	}
	return "", false
}

// decorate adds the CORS headers of a real (non-preflight) response.
func (p corsPolicy) decorate(h http.Header, origin string) {
	h.Add("Vary", "Origin")
	if allowed, ok := p.allow(origin); ok {
		h.Set("Access-Control-Allow-Origin", allowed)
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	}
}

// preflight answers an OPTIONS preflight: 200 with the allowed methods and
// the requested headers the gate accepts (content-type, content-md5,
// x-goog-*), or 403 for another origin or method.
func (p corsPolicy) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	origin := r.Header.Get("Origin")
	method := r.Header.Get("Access-Control-Request-Method")
	allowed, ok := p.allow(origin)
	if !ok || !slices.Contains([]string{http.MethodGet, http.MethodPut, http.MethodHead}, method) {
		writeError(w, r, accessDenied("CORS preflight refused for origin %q and method %q.", clip(origin), clip(method)))
		return
	}
	h.Set("Access-Control-Allow-Origin", allowed)
	h.Set("Access-Control-Allow-Methods", corsAllowMethods)
	if headers := allowedRequestHeaders(r.Header.Values("Access-Control-Request-Headers")); len(headers) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	h.Set("Access-Control-Max-Age", corsMaxAge)
	w.WriteHeader(http.StatusOK)
}

// allowedRequestHeaders keeps, lowercased and once each, the requested
// headers a browser may send: content-type, content-md5 and x-goog-*.
func allowedRequestHeaders(lists []string) []string {
	var out []string
	for _, list := range lists {
		for name := range strings.SplitSeq(list, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			ok := name == "content-type" || name == "content-md5" || (strings.HasPrefix(name, "x-goog-") && len(name) > len("x-goog-"))
			if ok && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}
