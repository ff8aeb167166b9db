package signer

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The V4 signing constants
// (https://cloud.google.com/storage/docs/authentication/canonical-requests).
const (
	algorithm       = "GOOG4-RSA-SHA256"
	dateLayout      = "20060102T150405Z"
	scopeDateLayout = "20060102"
	scopeSuffix     = "/auto/storage/goog4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
)

// request is one request to sign, already validated.
type request struct {
	method string
	bucket string
	object string
	// headers the client must send, by lowercase name; host is added.
	headers map[string]string
	// query holds extra signed query parameters (response-content-type...).
	query url.Values
	// ttl is whole seconds in [1s, MaxTTL].
	ttl time.Duration
}

// signURL signs r (signRequest) and returns it as the URL a client uses: the
// method and exactly the headers it must send.
func (s *Signer) signURL(r request) (URL, error) {
	signed, expiresAt, err := s.signRequest(r)
	if err != nil {
		return URL{}, err
	}
	return URL{URL: signed, Method: r.method, Headers: r.headers, ExpiresAt: expiresAt}, nil
}

// signRequest signs r at the signer's current time and returns the URL and
// the expiry it states.
func (s *Signer) signRequest(r request) (string, time.Time, error) {
	now := s.now().UTC().Truncate(time.Second)
	expires := int64(r.ttl / time.Second)
	scope := now.Format(scopeDateLayout) + scopeSuffix

	// The host header is signed without its port, as the Go client does.
	host := (&url.URL{Host: s.host}).Hostname()
	headers := map[string]string{"host": host}
	for name, value := range r.headers {
		headers[strings.ToLower(name)] = canonicalHeaderValue(value)
	}
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	signedHeaders := strings.Join(names, ";")
	var canonicalHeaders strings.Builder
	for _, name := range names {
		canonicalHeaders.WriteString(name + ":" + headers[name] + "\n")
	}

	query := url.Values{
		"X-Goog-Algorithm":     {algorithm},
		"X-Goog-Credential":    {s.accessID + "/" + scope},
		"X-Goog-Date":          {now.Format(dateLayout)},
		"X-Goog-Expires":       {strconv.FormatInt(expires, 10)},
		"X-Goog-SignedHeaders": {signedHeaders},
	}
	for k, vs := range r.query {
		query[k] = append(query[k], vs...)
	}
	canonicalQuery := strings.ReplaceAll(query.Encode(), "+", "%20")
	path := encodePath("/" + r.bucket + "/" + r.object)
	if r.object == "" {
		path = encodePath("/" + r.bucket)
	}

	payload := unsignedPayload
	if v, ok := headers["x-goog-content-sha256"]; ok {
		payload = v
	}
	canonical := strings.Join([]string{
		r.method, path, canonicalQuery, canonicalHeaders.String(), signedHeaders, payload,
	}, "\n")
	digest := sha256.Sum256([]byte(canonical))
	toSign := strings.Join([]string{
		algorithm, now.Format(dateLayout), scope, hex.EncodeToString(digest[:]),
	}, "\n")

	signature, err := s.sign([]byte(toSign))
	if s.onSign != nil {
		s.onSign()
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("signer: signing failed: %w", err)
	}
	signed := s.scheme + "://" + s.host + path + "?" + canonicalQuery +
		"&X-Goog-Signature=" + hex.EncodeToString(signature)
	return signed, now.Add(time.Duration(expires) * time.Second), nil
}

// encodePath percent-encodes every segment of path, slashes kept, as the V4
// canonical URI wants it (and the Go client does): everything but
// A-Z a-z 0-9 - _ . ~ is escaped, spaces as %20.
func encodePath(path string) string {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
	}
	return strings.Join(segments, "/")
}

// canonicalHeaderValue trims a header value and collapses runs of
// whitespace inside it to one space.
func canonicalHeaderValue(v string) string {
	return strings.Join(strings.Fields(v), " ")
}
