package gate

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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
// CORS), answers a successful PUT as Cloud Storage's XML API does, and
// applies response-content-disposition / response-content-type to
// successful GETs and HEADs, as Cloud Storage does.
func modifyResponse(res *http.Response) error {
	for k := range res.Header {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			res.Header.Del(k)
		}
	}
	req := res.Request
	if req != nil && req.Method == http.MethodPut && res.StatusCode/100 == 2 {
		return putAnswer(res)
	}
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

// putAnswer turns fake-gcs-server's answer to a PUT (the object's JSON
// resource, whose selfLink and mediaLink point past the gate at the
// emulator) into Cloud Storage's XML API answer: an empty body and the
// object's generation, metageneration, hashes and ETag in headers
// ("PUT Object", https://cloud.google.com/storage/docs/xml-api/put-object-upload).
// Nothing in it names a storage address.
func putAnswer(res *http.Response) error {
	var obj struct {
		Generation     string `json:"generation"`
		Metageneration string `json:"metageneration"`
		Size           string `json:"size"`
		MD5Hash        string `json:"md5Hash"`
		CRC32C         string `json:"crc32c"`
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	_ = res.Body.Close()
	if err != nil {
		return err
	}
	_ = json.Unmarshal(body, &obj) // an answer without a resource keeps only its status
	h := http.Header{}
	for _, name := range []string{"Date", "Vary", "X-Goog-Generation"} {
		if v := res.Header.Get(name); v != "" {
			h.Set(name, v)
		}
	}
	set := func(name, v string) {
		if v != "" {
			h.Set(name, v)
		}
	}
	set("X-Goog-Generation", obj.Generation)
	set("X-Goog-Metageneration", obj.Metageneration)
	set("X-Goog-Stored-Content-Length", obj.Size)
	if obj.CRC32C != "" {
		h.Add("X-Goog-Hash", "crc32c="+obj.CRC32C)
	}
	if obj.MD5Hash != "" {
		h.Add("X-Goog-Hash", "md5="+obj.MD5Hash)
		if sum, err := base64.StdEncoding.DecodeString(obj.MD5Hash); err == nil {
			h.Set("ETag", `"`+hex.EncodeToString(sum)+`"`)
		}
	}
	h.Set("Content-Length", "0")
	res.Header = h
	res.Body = http.NoBody
	res.ContentLength = 0
	return nil
}
