package gate

import (
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// MaxClockSkew is how far before its X-Goog-Date a signed URL is already
// accepted, to absorb clock differences between the signer and the gate.
const MaxClockSkew = 30 * time.Second

// Request is what a V4 signature covers, independent of URL style
// (path-style, virtual-hosted or bucket-bound host): the verifier only
// needs the method, the Host as the client sent it, the escaped path, the
// raw query and the headers.
type Request struct {
	Method      string
	Host        string // with the port if the URL had one
	EscapedPath string // as in the URL, e.g. "/bucket/a%26b"
	RawQuery    string // without '?'
	Header      http.Header
}

// RequestOf takes the parts a signature covers from an incoming request.
func RequestOf(r *http.Request) Request {
	return Request{Method: r.Method, Host: r.Host, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Header: r.Header}
}

// Grant is a verified signed request: who signed it, until when, and the
// constraints its body must still meet (see CheckBody).
type Grant struct {
	Email         string // the service account in X-Goog-Credential
	Method        string
	SignedAt      time.Time
	ExpiresAt     time.Time
	SignedHeaders []string

	// Body constraints. LengthRanges holds x-goog-content-length-range from
	// the query and from the header (both apply); ContentMD5 is the decoded
	// Content-MD5 header; ContentSHA256 the signed x-goog-content-sha256.
	LengthRanges  []LengthRange
	ContentMD5    []byte
	ContentSHA256 string
}

// Verifier checks V4 signed URLs (GOOG4-RSA-SHA256) as Cloud Storage does.
// It is pure: no network, no state; the zero Now means time.Now.
type Verifier struct {
	Keys map[string]*rsa.PublicKey // GoogleAccessId -> public key
	Now  func() time.Time
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// Verify checks r, whose whole body is body, as Cloud Storage checks a V4
// signed URL: VerifySignature, then Grant.CheckBody. It returns nil or an
// *Error (see ErrorCode) naming the Cloud Storage error code.
func (v *Verifier) Verify(r *http.Request, body []byte) error {
	grant, err := v.VerifySignature(RequestOf(r))
	if err != nil {
		return err
	}
	md5sum := md5.Sum(body)
	shasum := sha256.Sum256(body)
	return grant.CheckBody(int64(len(body)), md5sum[:], shasum[:])
}

// VerifySignature checks everything that does not need the body, in this
// order: a signature is present (else AccessDenied), the X-Goog-* parameters
// are well formed (MalformedSecurityHeader; InvalidArgument for an expiry
// above 7 days), the time window (AccessDenied before X-Goog-Date minus
// MaxClockSkew, ExpiredToken at or after X-Goog-Date + X-Goog-Expires), the
// signer is known (AccessDenied), the signature matches the canonical request
// rebuilt from req (SignatureDoesNotMatch), and the body constraints it
// announces are well formed (InvalidArgument, InvalidDigest).
func (v *Verifier) VerifySignature(req Request) (*Grant, error) {
	params, err := parseQuery(req.RawQuery)
	if err != nil {
		return nil, err
	}
	if !hasSignature(params) {
		return nil, accessDenied("Anonymous caller does not have access: the request carries no X-Goog-Signature.")
	}
	sp, err := parseSignedParams(params)
	if err != nil {
		return nil, err
	}

	now := v.now()
	expiresAt := sp.date.Add(sp.expires)
	if now.Before(sp.date.Add(-MaxClockSkew)) {
		return nil, accessDenied("The signed URL is not valid yet: X-Goog-Date %s is in the future.", sp.rawDate)
	}
	if !now.Before(expiresAt) {
		return nil, expired("Request has expired: %s", expiresAt.UTC().Format(time.RFC3339))
	}

	key := v.Keys[sp.email]
	if key == nil {
		return nil, accessDenied("The service account %q in X-Goog-Credential is not known.", clip(sp.email))
	}

	path, err := canonicalPath(req.EscapedPath)
	if err != nil {
		return nil, err
	}
	if err := checkSignature(key, sp, req, path, params); err != nil {
		return nil, err
	}

	grant := &Grant{
		Email:         sp.email,
		Method:        req.Method,
		SignedAt:      sp.date,
		ExpiresAt:     expiresAt,
		SignedHeaders: sp.signedHeaders,
	}
	return grant, grant.readBodyConstraints(params, req.Header)
}

// checkSignature rebuilds the canonical request for each host and query
// ordering a signer may have used and checks the signature over it.
func checkSignature(key *rsa.PublicKey, sp *signedParams, req Request, path string, params []queryParam) error {
	queries := canonicalQueries(params)
	payload := payloadHash(sp.signedHeaders, req.Header)
	matches := func(method string) (ok bool, firstCanonical, firstToSign string) {
		for _, host := range hostCandidates(req.Host) {
			headers := canonicalHeaders(sp.signedHeaders, host, req.Header)
			for _, query := range queries {
				canonical := canonicalRequest(method, path, query, headers, sp.rawSignedHeaders, payload)
				toSign := stringToSign(sp.rawDate, sp.scope, canonical)
				if firstCanonical == "" {
					firstCanonical, firstToSign = canonical, toSign
				}
				digest := sha256.Sum256([]byte(toSign))
				if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sp.signature) == nil {
					return true, "", ""
				}
			}
		}
		return false, firstCanonical, firstToSign
	}

	ok, canonical, toSign := matches(req.Method)
	if ok {
		return nil
	}
	e := &Error{
		Status:           http.StatusForbidden,
		Code:             CodeSignatureDoesNotMatch,
		Message:          signatureMismatchMessage,
		Details:          "The canonical request (method, path, query or a signed header) differs from the one that was signed.",
		StringToSign:     toSign,
		CanonicalRequest: canonical,
	}
	for _, other := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete} {
		if other == req.Method {
			continue
		}
		if ok, _, _ := matches(other); ok {
			e.Details = fmt.Sprintf("The URL was signed for %s, not %s.", other, req.Method)
			break
		}
	}
	return e
}

// readBodyConstraints records the length ranges and digests the body must
// match.
func (g *Grant) readBodyConstraints(params []queryParam, h http.Header) error {
	if raw, found, err := lookup(params, paramLengthRange); err != nil {
		return err
	} else if found {
		lr, err := parseLengthRange(raw)
		if err != nil {
			return err
		}
		g.LengthRanges = append(g.LengthRanges, lr)
	}
	if raw, found := headerValues(h, paramLengthRange); found {
		lr, err := parseLengthRange(raw)
		if err != nil {
			return err
		}
		g.LengthRanges = append(g.LengthRanges, lr)
	}
	if raw, found := headerValues(h, "content-md5"); found {
		sum, err := base64.StdEncoding.DecodeString(raw)
		if err != nil || len(sum) != md5.Size {
			return &Error{Status: http.StatusBadRequest, Code: CodeInvalidDigest, Message: "The Content-MD5 you specified is invalid.", Details: "Content-MD5 must be the base64 of a 16-byte MD5."}
		}
		g.ContentMD5 = sum
	}
	for _, name := range g.SignedHeaders {
		if name == "x-goog-content-sha256" {
			v, _ := headerValues(h, name)
			g.ContentSHA256 = strings.ToLower(v)
		}
	}
	return nil
}

// MaxBodySize is the largest body the grant's length ranges allow, or -1
// when none limits it.
func (g *Grant) MaxBodySize() int64 {
	limit := int64(-1)
	for _, lr := range g.LengthRanges {
		if limit < 0 || lr.Max < limit {
			limit = lr.Max
		}
	}
	return limit
}

// CheckBody checks a body of size bytes with the given MD5 and SHA-256
// against the grant: every length range (EntityTooLarge, EntityTooSmall),
// Content-MD5 and the signed x-goog-content-sha256 (BadDigest).
func (g *Grant) CheckBody(size int64, md5sum, sha256sum []byte) error {
	if err := g.CheckSize(size); err != nil {
		return err
	}
	if g.ContentMD5 != nil && subtle.ConstantTimeCompare(g.ContentMD5, md5sum) != 1 {
		return bodyError(CodeBadDigest, "The Content-MD5 you specified did not match what we received.",
			"Expected %s, got %s.", base64.StdEncoding.EncodeToString(g.ContentMD5), base64.StdEncoding.EncodeToString(md5sum))
	}
	if g.ContentSHA256 != "" && g.ContentSHA256 != hex.EncodeToString(sha256sum) {
		return bodyError(CodeBadDigest, "The x-goog-content-sha256 you specified did not match what we received.",
			"Expected %s, got %s.", clip(g.ContentSHA256), hex.EncodeToString(sha256sum))
	}
	return nil
}

// CheckSize checks a body size against every length range: EntityTooLarge
// or EntityTooSmall.
func (g *Grant) CheckSize(size int64) error {
	for _, lr := range g.LengthRanges {
		if size > lr.Max {
			return tooLarge("Content-length exceeds upper bound on range (%d > %d).", size, lr.Max)
		}
		if size < lr.Min {
			return bodyError(CodeEntityTooSmall, "Your proposed upload is smaller than the minimum object size specified in your Policy Document.",
				"Content-length is smaller than lower bound on range (%d < %d).", size, lr.Min)
		}
	}
	return nil
}
