// Package iamcredentials is the local stack's stand-in for the IAM Service
// Account Credentials API's signBlob, the call a deployed function makes
// for every V4 signed URL: it holds no key file and asks IAM to sign as its
// own service account.
//
// It serves what Google documents for that method ("Method:
// projects.serviceAccounts.signBlob",
// https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/signBlob):
// POST /v1/projects/-/serviceAccounts/{email}:signBlob with a JSON body
// {"payload": base64} answers {"keyId", "signedBlob": base64}, the
// signature being RSA PKCS#1 v1.5 over the payload's SHA-256 (what Cloud
// Storage's V4 signing expects, "Signing process for V4",
// https://cloud.google.com/storage/docs/authentication/signatures). An
// account it holds no key for is 403 PERMISSION_DENIED, as Google answers
// for the "-" project wildcard when the account does not exist or the
// caller lacks iam.serviceAccounts.signBlob on it.
//
// Options.Latency delays every answer, so the local stack can stand for
// the network round trip a deployed signBlob costs. Serve demands a per-run
// credential, as the storage emulator does: a signature as the functions'
// account is a key to their buckets, so nothing else on the machine may ask
// for one.
package iamcredentials

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"valet.dev/valet/emulators/runcred"
)

// Options configures New.
type Options struct {
	// Keys are the service accounts it signs as, by email.
	Keys map[string]*rsa.PrivateKey
	// Latency is added to every answer (the network and IAM's own time in
	// the cloud); zero answers at once.
	Latency time.Duration
}

// Server answers signBlob. It is safe for concurrent use.
type Server struct {
	keys    map[string]*rsa.PrivateKey
	keyIDs  map[string]string
	latency time.Duration
	calls   atomic.Int64
}

// New returns a server signing with opts.Keys.
func New(opts Options) *Server {
	s := &Server{keys: map[string]*rsa.PrivateKey{}, keyIDs: map[string]string{}, latency: opts.Latency}
	for email, key := range opts.Keys {
		s.keys[email] = key
		der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey) // an RSA public key always marshals
		sum := sha1.Sum(der)
		s.keyIDs[email] = hex.EncodeToString(sum[:])
	}
	return s
}

// Calls is how many signBlob requests it answered with a signature.
func (s *Server) Calls() int64 { return s.calls.Load() }

const (
	pathPrefix = "/v1/projects/"
	pathVerb   = ":signBlob"
)

type signBlobRequest struct {
	Delegates []string `json:"delegates,omitempty"`
	Payload   string   `json:"payload"`
}

type signBlobResponse struct {
	KeyID      string `json:"keyId"`
	SignedBlob string `json:"signedBlob"`
}

// ServeHTTP answers POST /v1/projects/{project}/serviceAccounts/{email}:signBlob.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	email, ok := accountOf(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "The local IAM Credentials stand-in serves only projects/-/serviceAccounts/{email}:signBlob.")
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT", "signBlob is a POST.")
		return
	}
	var req signBlobRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "The request body must be JSON {\"payload\": base64}.")
		return
	}
	payload, err := base64.StdEncoding.DecodeString(req.Payload)
	if err != nil || req.Payload == "" {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "payload must be non-empty standard base64.")
		return
	}
	key := s.keys[email]
	if key == nil || len(req.Delegates) > 0 {
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED",
			"Permission 'iam.serviceAccounts.signBlob' denied on resource (or it may not exist).")
		return
	}
	if err := sleep(r.Context(), s.latency); err != nil {
		return // the caller went away
	}
	sum := sha256.Sum256(payload)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		writeError(w, http.StatusInternalServerError, "INTERNAL", "signing failed")
		return
	}
	s.calls.Add(1)
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(signBlobResponse{KeyID: s.keyIDs[email], SignedBlob: base64.StdEncoding.EncodeToString(sig)})
}

// accountOf is the email of a .../serviceAccounts/{email}:signBlob path.
func accountOf(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, pathPrefix)
	if !ok {
		return "", false
	}
	rest, ok = strings.CutSuffix(rest, pathVerb)
	if !ok {
		return "", false
	}
	project, account, ok := strings.Cut(rest, "/serviceAccounts/")
	if !ok || project == "" || account == "" || strings.Contains(account, "/") {
		return "", false
	}
	email, err := url.PathUnescape(account)
	return email, err == nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeError answers as Google APIs do: {"error": {code, message, status}}.
func writeError(w http.ResponseWriter, code int, status, message string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message, "status": status}})
}

// Serve serves s on l to callers holding the per-run credential (HTTP
// Basic, package runcred); any other gets 401 UNAUTHENTICATED. It returns
// the endpoint URL carrying the credential, for config's
// VALET_IAM_CREDENTIALS_URL, and a function that stops serving.
func (s *Server) Serve(l net.Listener) (endpoint string, stop func()) {
	return runcred.Serve(l, s, func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request is missing the local stack's IAM credential.")
	})
}
