package gate

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"valet.dev/valet/terraform/policy"
)

// DefaultMaxBodyBytes caps an upload body when Options.MaxBodyBytes is zero:
// Cloud Storage's 5 GiB single-request limit.
const DefaultMaxBodyBytes int64 = 5 << 30

// memBodyBytes is how much of a body is kept in memory before spilling to a
// temporary file.
const memBodyBytes = 4 << 20

// Options configures a Gate.
type Options struct {
	Upstream       string                    // base URL of fake-gcs-server, e.g. "http://127.0.0.1:4443"
	Keys           map[string]*rsa.PublicKey // GoogleAccessId (service-account email in X-Goog-Credential) -> public key
	AllowedOrigins []string                  // frontend origins of the buckets' CORS configuration ("*" allowed)
	// CORS holds the buckets' CORS methods, response headers and max age;
	// nil means the "buckets" rules of terraform/policy/cors.json, which
	// Terraform sets on the deployed buckets.
	CORS *policy.BucketCORS
	Now  func() time.Time // defaults to time.Now

	// MaxBodyBytes caps any upload, whatever its signed length range;
	// zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Transport reaches the upstream; nil means http.DefaultTransport.
	Transport http.RoundTripper
}

// Gate is the signed-URL gate: an http.Handler that verifies V4 signed URLs
// and proxies the verified requests to fake-gcs-server.
type Gate struct {
	verifier     *Verifier
	cors         corsPolicy
	maxBodyBytes int64
	proxy        *httputil.ReverseProxy
	writes       *preconditions
}

// New builds a Gate. It fails when Upstream is not an http(s) base URL, when
// no key is given, or when an origin is empty.
func New(opts Options) (*Gate, error) {
	upstream, err := url.Parse(opts.Upstream)
	if err != nil || (upstream.Scheme != "http" && upstream.Scheme != "https") || upstream.Host == "" ||
		strings.Trim(upstream.Path, "/") != "" || upstream.RawQuery != "" {
		return nil, fmt.Errorf("gate: Upstream %q must be an http(s) base URL without a path", opts.Upstream)
	}
	if len(opts.Keys) == 0 {
		return nil, errors.New("gate: at least one key is required")
	}
	keys := make(map[string]*rsa.PublicKey, len(opts.Keys))
	for email, key := range opts.Keys {
		if email == "" || key == nil {
			return nil, errors.New("gate: keys need a non-empty email and a non-nil public key")
		}
		keys[email] = key
	}
	rules := policy.LoadCORS().Buckets
	if opts.CORS != nil {
		rules = *opts.CORS
	}
	cors, err := newCORSPolicy(opts.AllowedOrigins, rules)
	if err != nil {
		return nil, err
	}
	maxBody := opts.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = DefaultMaxBodyBytes
	}
	g := &Gate{
		verifier:     &Verifier{Keys: keys, Now: opts.Now},
		cors:         cors,
		maxBodyBytes: maxBody,
	}
	base := &url.URL{Scheme: upstream.Scheme, Host: upstream.Host}
	g.proxy = newProxy(base, opts.Transport)
	transport := opts.Transport
	if transport == nil {
		transport = http.DefaultTransport
	}
	g.writes = &preconditions{upstream: base, transport: transport}
	return g, nil
}

// Verify checks r with body as Cloud Storage checks a V4 signed URL; see
// Verifier.Verify. It does not proxy anything.
func (g *Gate) Verify(r *http.Request, body []byte) error { return g.verifier.Verify(r, body) }

// VerifySignature checks req without its body; see Verifier.VerifySignature.
func (g *Gate) VerifySignature(req Request) (*Grant, error) { return g.verifier.VerifySignature(req) }

// ServeHTTP answers CORS preflights, verifies every other request and
// proxies the verified ones upstream; refusals are Cloud Storage XML errors.
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		g.cors.preflight(w, r)
		return
	}
	g.cors.decorate(w.Header(), r)
	if err := g.serve(w, r); err != nil {
		writeError(w, r, err)
	}
}

// serve verifies r, reads and checks its body, and only then proxies it.
func (g *Gate) serve(w http.ResponseWriter, r *http.Request) error {
	grant, err := g.verifier.VerifySignature(RequestOf(r))
	if err != nil {
		return err
	}
	if err := checkPathStyle(r.URL.EscapedPath()); err != nil {
		return err
	}
	if _, found := headerValues(r.Header, "x-goog-resumable"); found {
		return invalidArgument("Resumable uploads (x-goog-resumable) are not supported by the gate; upload with a single PUT.")
	}

	out := r.Clone(r.Context())
	out.URL.RawQuery = upstreamQuery(r.URL.RawQuery)
	out.Header = upstreamHeader(r.Header, grant.SignedHeaders)
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
		out.Body, out.ContentLength = http.NoBody, 0
	case http.MethodPut:
		body, err := g.readBody(r, grant)
		if err != nil {
			return err
		}
		defer body.Close()
		out.Body, out.ContentLength = readCloser{body.reader()}, body.size
		g.writes.mu.Lock()
		defer g.writes.mu.Unlock()
		if err := g.writes.check(r.Context(), r); err != nil {
			return err
		}
	case http.MethodPost:
		return invalidArgument("POST uploads (resumable or form) are not supported by the gate; upload with a single PUT.")
	default:
		return &Error{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed", Message: "The specified method is not allowed against this resource.", Details: r.Method}
	}
	g.proxy.ServeHTTP(w, out)
	return nil
}

// readBody reads the whole upload, refusing it as soon as it passes the
// signed length range or the gate's cap, and checks its size and digests.
func (g *Gate) readBody(r *http.Request, grant *Grant) (*spooledBody, error) {
	limit := g.maxBodyBytes
	if m := grant.MaxBodySize(); m >= 0 && m < limit {
		limit = m
	}
	if r.ContentLength > limit {
		return nil, g.sizeError(grant, r.ContentLength)
	}
	body, err := spool(r.Body, limit, memBodyBytes)
	if errors.Is(err, errBodyTooLarge) {
		return nil, g.sizeError(grant, limit+1)
	}
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: "IncompleteBody", Message: "The request body could not be read to its end."}
	}
	if err := grant.CheckBody(body.size, body.md5, body.sha256); err != nil {
		_ = body.Close()
		return nil, err
	}
	return body, nil
}

// sizeError refuses a body of (at least) size bytes.
func (g *Gate) sizeError(grant *Grant, size int64) error {
	if err := grant.CheckSize(size); err != nil {
		return err
	}
	return tooLarge("The gate accepts bodies of at most %d bytes.", g.maxBodyBytes)
}

// reservedBuckets are first path segments fake-gcs-server routes to its
// JSON API or internal handlers rather than to an object.
var reservedBuckets = map[string]bool{"storage": true, "upload": true, "download": true, "batch": true}

// checkPathStyle accepts /<bucket>/<object> with a valid bucket name and a
// non-empty object name: the only shape the gate proxies.
func checkPathStyle(escapedPath string) error {
	rest, ok := strings.CutPrefix(escapedPath, "/")
	bucket, object, hasObject := strings.Cut(rest, "/")
	if !ok || !hasObject || object == "" {
		return invalidArgument("The gate only serves path-style object URLs: /<bucket>/<object>.")
	}
	if !validBucketName(bucket) || reservedBuckets[bucket] {
		return invalidArgument("%q is not a bucket name the gate serves.", clip(bucket))
	}
	return nil
}

// validBucketName is Cloud Storage's rule for names without dots' extra
// forms: 3 to 63 of a-z 0-9 - _ ., starting and ending with a letter or digit.
func validBucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || i == len(b)-1 || (c != '-' && c != '_' && c != '.')) {
			return false
		}
	}
	return true
}
