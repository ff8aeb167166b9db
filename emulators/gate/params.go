package gate

import (
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The query parameters of a V4 signed URL.
const (
	paramAlgorithm     = "X-Goog-Algorithm"
	paramCredential    = "X-Goog-Credential"
	paramDate          = "X-Goog-Date"
	paramExpires       = "X-Goog-Expires"
	paramSignedHeaders = "X-Goog-SignedHeaders"
	paramSignature     = "X-Goog-Signature"
	paramLengthRange   = "x-goog-content-length-range"
)

const (
	algorithmRSA   = "GOOG4-RSA-SHA256"
	dateLayout     = "20060102T150405Z"
	scopeDayLayout = "20060102"
	scopeLocation  = "auto"
	scopeService   = "storage"
	scopeRequest   = "goog4_request"

	// MaxExpires is the longest validity Cloud Storage accepts for a V4
	// signed URL: 7 days, in seconds.
	MaxExpires = 604800

	maxSignatureBytes = 1024 // an 8192-bit RSA signature; anything longer is garbage
)

// queryParam is one decoded query parameter, in the order the URL holds it.
type queryParam struct {
	key, value string
	raw        string // the parameter exactly as it appeared in the URL
}

// parseQuery splits a raw query into its parameters, keeping order and
// duplicates. '+' decodes to a space, as in url.ParseQuery. A raw ';' is
// refused: Go's url.ParseQuery (which the upstream uses) rejects it while
// other parsers split on it, and a legitimately signed URL never holds one.
func parseQuery(raw string) ([]queryParam, error) {
	if strings.Contains(raw, ";") {
		return nil, invalidArgument("the query string holds a raw ';'")
	}
	var params []queryParam
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(piece, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, invalidArgument("the query string is not valid URL encoding")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, invalidArgument("the query string is not valid URL encoding")
		}
		params = append(params, queryParam{key: key, value: value, raw: piece})
	}
	return params, nil
}

// lookup returns the single value of the parameter named key, compared
// case-insensitively. A parameter given twice (in any case) is malformed:
// two readers could each pick a different one.
func lookup(params []queryParam, key string) (value string, found bool, err error) {
	for _, p := range params {
		if !strings.EqualFold(p.key, key) {
			continue
		}
		if found {
			return "", false, malformed("the query parameter %s is given more than once", key)
		}
		value, found = p.value, true
	}
	return value, found, nil
}

// signedParams are the X-Goog-* parameters of a V4 signed URL, checked for
// shape but not yet for time or signature.
type signedParams struct {
	email            string
	scope            string // <day>/auto/storage/goog4_request
	rawDate          string
	date             time.Time
	expires          time.Duration
	rawSignedHeaders string
	signedHeaders    []string // lowercase, sorted, unique, with "host"
	signature        []byte
}

// hasSignature reports whether the query carries an X-Goog-Signature at all;
// without one the request is anonymous.
func hasSignature(params []queryParam) bool {
	for _, p := range params {
		if strings.EqualFold(p.key, paramSignature) {
			return true
		}
	}
	return false
}

// parseSignedParams reads and checks the X-Goog-* parameters. Errors are
// MalformedSecurityHeader, or InvalidArgument for an expiry above 7 days.
func parseSignedParams(params []queryParam) (*signedParams, error) {
	values := map[string]string{}
	for _, key := range []string{paramAlgorithm, paramCredential, paramDate, paramExpires, paramSignedHeaders, paramSignature} {
		v, found, err := lookup(params, key)
		if err != nil {
			return nil, err
		}
		if !found || v == "" {
			return nil, malformed("the query parameter %s is missing", key)
		}
		values[key] = v
	}

	if alg := values[paramAlgorithm]; alg != algorithmRSA {
		return nil, malformed("X-Goog-Algorithm %q is not supported; only %s is", clip(alg), algorithmRSA)
	}

	sp := &signedParams{rawDate: values[paramDate], rawSignedHeaders: values[paramSignedHeaders]}
	var err error
	if sp.date, err = parseDate(sp.rawDate); err != nil {
		return nil, err
	}
	if sp.email, sp.scope, err = parseCredential(values[paramCredential], sp.rawDate); err != nil {
		return nil, err
	}
	if sp.expires, err = parseExpires(values[paramExpires]); err != nil {
		return nil, err
	}
	if sp.signedHeaders, err = parseSignedHeaders(sp.rawSignedHeaders); err != nil {
		return nil, err
	}
	if sp.signature, err = parseSignature(values[paramSignature]); err != nil {
		return nil, err
	}
	return sp, nil
}

// parseDate reads X-Goog-Date, the signing time: YYYYMMDD'T'HHMMSS'Z'.
func parseDate(raw string) (time.Time, error) {
	if len(raw) != len(dateLayout) {
		return time.Time{}, malformed("X-Goog-Date %q is not in the form YYYYMMDDTHHMMSSZ", clip(raw))
	}
	t, err := time.Parse(dateLayout, raw)
	if err != nil {
		return time.Time{}, malformed("X-Goog-Date %q is not in the form YYYYMMDDTHHMMSSZ", clip(raw))
	}
	return t, nil
}

// parseCredential reads X-Goog-Credential,
// <email>/<YYYYMMDD>/auto/storage/goog4_request, whose day must be the day of
// X-Goog-Date. It returns the email and the credential scope.
func parseCredential(raw, rawDate string) (email, scope string, err error) {
	parts := strings.Split(raw, "/")
	if len(parts) != 5 || parts[0] == "" {
		return "", "", malformed("X-Goog-Credential must be <email>/<YYYYMMDD>/auto/storage/goog4_request")
	}
	email, day := parts[0], parts[1]
	if parts[2] != scopeLocation || parts[3] != scopeService || parts[4] != scopeRequest {
		return "", "", malformed("X-Goog-Credential scope must end in /%s/%s/%s", scopeLocation, scopeService, scopeRequest)
	}
	if _, err := time.Parse(scopeDayLayout, day); err != nil || len(day) != len(scopeDayLayout) {
		return "", "", malformed("X-Goog-Credential date %q is not YYYYMMDD", clip(day))
	}
	if !strings.HasPrefix(rawDate, day) {
		return "", "", malformed("X-Goog-Credential date %s is not the day of X-Goog-Date %s", day, clip(rawDate))
	}
	return email, strings.Join(parts[1:], "/"), nil
}

// parseExpires reads X-Goog-Expires: whole seconds, 1 to MaxExpires.
func parseExpires(raw string) (time.Duration, error) {
	if raw == "" || len(raw) > 12 || strings.Trim(raw, "0123456789") != "" {
		return 0, malformed("X-Goog-Expires %q is not a number of seconds", clip(raw))
	}
	secs, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || secs < 1 {
		return 0, malformed("X-Goog-Expires %q must be at least 1 second", clip(raw))
	}
	if secs > MaxExpires {
		return 0, invalidArgument("X-Goog-Expires %d is longer than %d seconds (7 days)", secs, MaxExpires)
	}
	return time.Duration(secs) * time.Second, nil
}

// parseSignedHeaders reads X-Goog-SignedHeaders: lowercase names, sorted,
// unique, separated by ';', host among them.
func parseSignedHeaders(raw string) ([]string, error) {
	names := strings.Split(raw, ";")
	hasHost := false
	for i, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, ": \t\r\n") {
			return nil, malformed("X-Goog-SignedHeaders must list lowercase header names separated by ';'")
		}
		if i > 0 && names[i-1] >= n {
			return nil, malformed("X-Goog-SignedHeaders must be sorted and without duplicates")
		}
		if n == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return nil, malformed("X-Goog-SignedHeaders must include host")
	}
	return names, nil
}

// parseSignature reads X-Goog-Signature: the hex RSA signature.
func parseSignature(raw string) ([]byte, error) {
	if len(raw) > 2*maxSignatureBytes {
		return nil, malformed("X-Goog-Signature is too long")
	}
	sig, err := hex.DecodeString(raw)
	if err != nil || len(sig) == 0 {
		return nil, malformed("X-Goog-Signature is not hexadecimal")
	}
	return sig, nil
}

// LengthRange is x-goog-content-length-range: the body size must be in
// [Min, Max], bounds included.
type LengthRange struct {
	Min, Max int64
}

// parseLengthRange reads "MIN,MAX".
func parseLengthRange(raw string) (LengthRange, error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(raw), ",")
	minimum, err1 := parseSize(strings.TrimSpace(lo))
	maximum, err2 := parseSize(strings.TrimSpace(hi))
	if !ok || err1 != nil || err2 != nil || minimum > maximum {
		return LengthRange{}, invalidArgument("x-goog-content-length-range %q must be MIN,MAX with 0 <= MIN <= MAX", clip(raw))
	}
	return LengthRange{Min: minimum, Max: maximum}, nil
}

func parseSize(s string) (int64, error) {
	if s == "" || len(s) > 18 || strings.Trim(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}

// clip shortens caller-supplied text quoted back in an error.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
