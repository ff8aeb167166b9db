package privategcs

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"time"
)

// functionsUser is the user name of the functions' credential.
const functionsUser = "valet-functions"

// Serve serves the store on l for the functions' Cloud Storage client, as
// Cloud Storage serves a private bucket to the functions' service account:
// every request must carry the credential made here (HTTP Basic), any
// other gets 401 without reaching fake-gcs-server. It returns the
// STORAGE_EMULATOR_HOST value, which carries the credential
// (http://valet-functions:<secret>@host:port; the Go client and net/http
// send it), and a function that stops serving.
func (s *Server) Serve(l net.Listener) (emulatorHost string, stop func()) {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	secret := hex.EncodeToString(b)
	srv := &http.Server{Handler: s.requireCredential(secret), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	host := url.URL{Scheme: "http", User: url.UserPassword(functionsUser, secret), Host: l.Addr().String()}
	return host.String(), func() { _ = srv.Close() }
}

// requireCredential lets through only requests with the functions'
// credential; others get the JSON API's 401.
func (s *Server) requireCredential(secret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != functionsUser || subtle.ConstantTimeCompare([]byte(pass), []byte(secret)) != 1 {
			writeError(w, r, &preconditionError{status: http.StatusUnauthorized, reason: "required", code: "AccessDenied",
				message: "Anonymous caller does not have access to the local storage emulator; only the gate and the functions' credential reach it."})
			return
		}
		r.Header.Del("Authorization")
		s.ServeHTTP(w, r)
	})
}
