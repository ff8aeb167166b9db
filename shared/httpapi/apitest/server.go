package apitest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Server is a function's handler served over HTTP for one test, closed
// when the test ends. A test environment embeds it to send its callers'
// requests with Do.
type Server struct {
	*httptest.Server
	t testing.TB
}

// Serve serves h for t.
func Serve(t testing.TB, h http.Handler) *Server {
	s := &Server{Server: httptest.NewServer(h), t: t}
	t.Cleanup(s.Close)
	return s
}

// Do sends method path with body as c (see Caller.Do) and records the
// answer.
func (s *Server) Do(c Caller, method, path string, body any) Response {
	s.t.Helper()
	return c.Do(s.t, s.URL, method, path, body)
}
