// Package runcred is the per-run credential with which a local stand-in
// serves only the functions: the storage emulator and the IAM Credentials
// stand-in each stand for a Google service that answers the functions'
// service account and no one else, so on their loopback port they demand
// HTTP Basic credentials made fresh at every start, which the functions
// receive in the URL of their environment variable.
package runcred

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"time"
)

// User is the user name of the functions' credential.
const User = "valet-functions"

// Serve serves h on l to requests carrying a credential made here; any
// other request is answered by refuse and never reaches h. The
// Authorization header is removed before h sees the request. It returns
// http://valet-functions:<secret>@host:port, which the functions' clients
// and net/http turn into the header, and a function that stops serving.
func Serve(l net.Listener, h http.Handler, refuse http.HandlerFunc) (withCredential string, stop func()) {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	secret := hex.EncodeToString(b)
	guarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != User || subtle.ConstantTimeCompare([]byte(pass), []byte(secret)) != 1 {
			refuse(w, r)
			return
		}
		r.Header.Del("Authorization")
		h.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: guarded, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	u := url.URL{Scheme: "http", User: url.UserPassword(User, secret), Host: l.Addr().String()}
	return u.String(), func() { _ = srv.Close() }
}
