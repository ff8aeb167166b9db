package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

const unsignedPayload = "UNSIGNED-PAYLOAD"

// canonicalPath is the canonical URI of a V4 request: the path decoded, then
// every segment percent-encoded except the unreserved characters
// A-Z a-z 0-9 - _ . ~, slashes kept, nothing cleaned ("//" stays).
func canonicalPath(escapedPath string) (string, error) {
	decoded, err := url.PathUnescape(escapedPath)
	if err != nil {
		return "", invalidArgument("the request path is not valid URL encoding")
	}
	if decoded == "" {
		return "/", nil
	}
	segments := strings.Split(decoded, "/")
	for i, s := range segments {
		segments[i] = encodeV4(s)
	}
	out := strings.Join(segments, "/")
	if !strings.HasPrefix(out, "/") {
		out = "/" + out
	}
	return out, nil
}

// encodeV4 percent-encodes everything but A-Z a-z 0-9 - _ . ~.
func encodeV4(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// canonicalQueries are the canonical query strings a signer may have used,
// X-Goog-Signature left out. Cloud Storage's documentation sorts parameters
// by encoded name while the Go client (and the conformance vectors it
// passes) sorts by decoded name; the two differ only for names holding
// characters outside A-Z a-z 0-9 - _ . ~, and then both are returned. Values
// of a repeated name keep their order in the URL, as the Go client signs them.
func canonicalQueries(params []queryParam) []string {
	type pair struct{ key, encKey, encValue string }
	pairs := make([]pair, 0, len(params))
	for _, p := range params {
		if strings.EqualFold(p.key, paramSignature) {
			continue
		}
		pairs = append(pairs, pair{key: p.key, encKey: encodeV4(p.key), encValue: encodeV4(p.value)})
	}
	join := func(ps []pair) string {
		var b strings.Builder
		for i, p := range ps {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(p.encKey)
			b.WriteByte('=')
			b.WriteString(p.encValue)
		}
		return b.String()
	}
	byDecoded := slices.Clone(pairs)
	sort.SliceStable(byDecoded, func(i, j int) bool { return byDecoded[i].key < byDecoded[j].key })
	byEncoded := slices.Clone(pairs)
	sort.SliceStable(byEncoded, func(i, j int) bool { return byEncoded[i].encKey < byEncoded[j].encKey })
	a, b := join(byDecoded), join(byEncoded)
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// canonicalHeaderValue trims a header value and collapses every run of
// whitespace inside it to one space.
func canonicalHeaderValue(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// headerValues returns the canonical value of the header name (lowercase)
// in h, matching names case-insensitively; several values are joined with
// ','. found is false when the request does not carry the header.
func headerValues(h http.Header, name string) (value string, found bool) {
	var keys []string
	for k := range h {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var values []string
	for _, k := range keys {
		for _, v := range h[k] {
			values = append(values, canonicalHeaderValue(v))
		}
	}
	return strings.Join(values, ","), len(keys) > 0
}

// hostCandidates are the values the signer may have put in the canonical
// host header: the Host as sent, and without its port. The Go client signs
// the host without the port ("localhost" for http://localhost:8080/...),
// while other signers keep it; both bind the URL to the same host name.
func hostCandidates(host string) []string {
	out := []string{host}
	if name := (&url.URL{Host: host}).Hostname(); name != "" && name != host {
		out = append(out, name)
	}
	return out
}

// canonicalHeaders is the canonical headers block (one "name:value\n" per
// signed header, in the sorted order of signedHeaders) for the given host.
func canonicalHeaders(signedHeaders []string, host string, h http.Header) string {
	var b strings.Builder
	for _, name := range signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" {
			b.WriteString(canonicalHeaderValue(host))
		} else {
			v, _ := headerValues(h, name)
			b.WriteString(v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// payloadHash is the last line of the canonical request: the signed
// x-goog-content-sha256 value, or UNSIGNED-PAYLOAD.
func payloadHash(signedHeaders []string, h http.Header) string {
	if slices.Contains(signedHeaders, "x-goog-content-sha256") {
		v, _ := headerValues(h, "x-goog-content-sha256")
		return v
	}
	return unsignedPayload
}

// canonicalRequest assembles the V4 canonical request.
func canonicalRequest(method, path, query, headers, signedHeaders, payload string) string {
	return strings.Join([]string{method, path, query, headers, signedHeaders, payload}, "\n")
}

// stringToSign is what the signer signed: algorithm, date, scope and the hex
// SHA-256 of the canonical request.
func stringToSign(rawDate, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return algorithmRSA + "\n" + rawDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}
