// Package signer mints Cloud Storage V4 signed URLs: a PUT bound to one
// object, a content type, a size range (and optionally an MD5), or a GET of
// one object, each valid for a bounded time.
//
// Locally the signer holds a service account's PEM key and points its URLs at
// the signed-URL gate (emulators/gate) in front of fake-gcs-server; on Cloud
// Functions it holds no key and signs through IAM Credentials signBlob (see
// NewFromEnvironment).
//
// The canonical request is built here rather than by storage.SignedURL so
// that the clock is injectable and ExpiresAt is exactly what the URL states;
// the output is byte-for-byte the Go client's, checked against Google's V4
// conformance vectors and against storage.SignedURL in the tests.
//
// # Errors
//
// Upload and Download return an *apperr.Error with code apperr.Invalid for
// values a caller can get wrong (object name, TTL, content type, sizes,
// MD5, content disposition) and a plain error for the signer's own failures
// (bucket name from configuration, a failing key or IAM call).
//
// A signed URL is a bearer credential: never log it, and never store it.
package signer

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// DefaultHostname is the Cloud Storage XML API host signed URLs point at
// when Options.Hostname is empty.
const DefaultHostname = "storage.googleapis.com"

// MaxTTL is the longest validity Cloud Storage accepts for a V4 signed URL.
const MaxTTL = 7 * 24 * time.Hour

// Options configures New.
type Options struct {
	// GoogleAccessID is the email of the service account whose key signs.
	// Required by New; NewFromEnvironment detects it when empty.
	GoogleAccessID string
	// PrivateKey is the service account's RSA key in PEM (PKCS#8 or
	// PKCS#1), set locally from a key file. Exactly one of PrivateKey and
	// SignBytes.
	PrivateKey []byte
	// SignBytes signs its input with the account's key (RSA PKCS#1 v1.5 over
	// SHA-256), e.g. through IAM Credentials signBlob on Cloud Functions.
	// Exactly one of PrivateKey and SignBytes.
	SignBytes func([]byte) ([]byte, error)
	// Hostname is the host[:port] URLs point at: the signed-URL gate locally,
	// DefaultHostname when empty.
	Hostname string
	// Insecure makes URLs use http (the local gate) instead of https.
	Insecure bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// OnSign, when set, is called after each signature: one IAM signBlob
	// call when SignBytes is signBlob. The local stack counts them.
	OnSign func()
}

// Signer mints V4 signed URLs. It is safe for concurrent use.
type Signer struct {
	accessID string
	sign     func([]byte) ([]byte, error)
	host     string
	scheme   string
	now      func() time.Time
	onSign   func()
}

// URL is a signed request a client makes without any other credential.
type URL struct {
	URL    string `json:"url"`
	Method string `json:"method"`
	// Headers are exactly the headers the client must send (signed ones).
	Headers map[string]string `json:"headers,omitempty"`
	// ExpiresAt is when the URL stops working, as the URL itself states it
	// (X-Goog-Date + X-Goog-Expires).
	ExpiresAt time.Time `json:"expiresAt"`
}

// Link is a signed GET URL as an answer hands it out: a GET needs no
// headers, so the URL and when it stops working.
type Link struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// Link returns u as a Link.
func (u URL) Link() Link { return Link{URL: u.URL, ExpiresAt: u.ExpiresAt} }

// New checks opts and returns a signer.
func New(opts Options) (*Signer, error) {
	if opts.GoogleAccessID == "" {
		return nil, errors.New("signer: GoogleAccessID (the service account email) is required")
	}
	if strings.ContainsAny(opts.GoogleAccessID, "/ \t\r\n") {
		return nil, errors.New("signer: GoogleAccessID must be a service account email")
	}
	if (len(opts.PrivateKey) > 0) == (opts.SignBytes != nil) {
		return nil, errors.New("signer: set exactly one of PrivateKey and SignBytes")
	}
	s := &Signer{
		accessID: opts.GoogleAccessID,
		sign:     opts.SignBytes,
		host:     opts.Hostname,
		scheme:   "https",
		now:      opts.Now,
		onSign:   opts.OnSign,
	}
	if len(opts.PrivateKey) > 0 {
		sign, err := pemSigner(opts.PrivateKey)
		if err != nil {
			return nil, err
		}
		s.sign = sign
	}
	if s.host == "" {
		s.host = DefaultHostname
	}
	if err := checkHostname(s.host); err != nil {
		return nil, err
	}
	if opts.Insecure {
		s.scheme = "http"
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// GoogleAccessID is the email of the account whose signature URLs carry.
func (s *Signer) GoogleAccessID() string { return s.accessID }

// checkHostname accepts host or host:port, nothing more.
func checkHostname(host string) error {
	u, err := url.Parse("//" + host)
	if err != nil || u.Host != host || u.Hostname() == "" || u.Path != "" || u.User != nil {
		return fmt.Errorf("signer: Hostname %q must be host or host:port", host)
	}
	return nil
}
