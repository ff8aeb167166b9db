package gate

import (
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// forwardedHeaders are the request headers sent upstream whether signed or
// not; any other header is dropped unless it is a signed x-goog-* header.
var forwardedHeaders = []string{
	"Accept-Encoding", "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language",
	"Content-MD5", "Content-Type", "If-Match", "If-Modified-Since", "If-None-Match", "If-Unmodified-Since", "Range",
}

// responseOverrides are the query parameters with which a GET asks Cloud
// Storage to set a response header.
var responseOverrides = map[string]string{
	"response-content-disposition": "Content-Disposition",
	"response-content-type":        "Content-Type",
}

// newProxy builds the reverse proxy to upstream (scheme and host only). The
// request it gets has already been verified and its body read.
func newProxy(upstream *url.URL, transport http.RoundTripper) *httputil.ReverseProxy {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.Header = pr.In.Header.Clone()
			if pr.Out.Header.Get("Accept-Encoding") == "" {
				pr.Out.Header.Set("Accept-Encoding", "identity")
			}
		},
		Transport:      transport,
		ModifyResponse: modifyResponse,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, r.Context().Err()) && r.Context().Err() != nil {
				return // the client went away
			}
			writeError(w, r, &Error{Status: http.StatusBadGateway, Code: "BadGateway", Message: "The storage emulator behind the gate did not answer."})
		},
	}
}

// modifyResponse drops the upstream's own CORS headers (the gate decides
// CORS) and applies response-content-disposition / response-content-type to
// successful GETs and HEADs, as Cloud Storage does.
func modifyResponse(res *http.Response) error {
	for k := range res.Header {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			res.Header.Del(k)
		}
	}
	req := res.Request
	if req == nil || (req.Method != http.MethodGet && req.Method != http.MethodHead) || res.StatusCode/100 != 2 {
		return nil
	}
	params, err := parseQuery(req.URL.RawQuery)
	if err != nil {
		return nil // the gate built this query from a verified one
	}
	for param, header := range responseOverrides {
		if v, found, err := lookup(params, param); err == nil && found && v != "" {
			res.Header.Set(header, v)
		}
	}
	return nil
}

// upstreamQuery is the raw query without X-Goog-Signature, so the signature
// reaches no upstream log; the other parameters keep their exact encoding
// (fake-gcs-server needs X-Goog-Algorithm to treat a PUT as a signed upload).
func upstreamQuery(raw string) string {
	var kept []string
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		rawKey, _, _ := strings.Cut(piece, "=")
		if key, err := url.QueryUnescape(rawKey); err == nil && strings.EqualFold(key, paramSignature) {
			continue
		}
		kept = append(kept, piece)
	}
	return strings.Join(kept, "&")
}

// upstreamHeader keeps forwardedHeaders and the signed x-goog-* headers.
func upstreamHeader(in http.Header, signedHeaders []string) http.Header {
	out := http.Header{}
	for _, name := range forwardedHeaders {
		if vs := in.Values(name); len(vs) > 0 {
			out[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
		}
	}
	for _, name := range signedHeaders {
		if !strings.HasPrefix(name, "x-goog-") {
			continue
		}
		for k, vs := range in {
			if strings.EqualFold(k, name) {
				out[http.CanonicalHeaderKey(name)] = append(out[http.CanonicalHeaderKey(name)], vs...)
			}
		}
	}
	return out
}

// readCloser gives a spooled body the Close the proxy expects; the gate
// closes the spool itself.
type readCloser struct{ io.Reader }

func (readCloser) Close() error { return nil }
