package privategcs

import (
	"errors"
	"net/http"
	"sync"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// Server is the private store: fake-gcs-server behind the preconditions,
// reachable only in process.
type Server struct {
	fake   *fakestorage.Server
	next   http.Handler
	writes sync.Mutex // held by every write, so a check and its write are one step
	ops    counters
}

// Wrap puts fake, which must run without a listener
// (fakestorage.Options.NoListener), behind the preconditions.
func Wrap(fake *fakestorage.Server) (*Server, error) {
	if fake.URL() != "" {
		return nil, errors.New("privategcs: fake-gcs-server listens on " + fake.URL() + "; start it with NoListener so that only the gate and the functions reach it")
	}
	return &Server{fake: fake, next: fake.HTTPHandler()}, nil
}

// Fake is the wrapped fake-gcs-server, for seeding and inspecting buckets
// in process.
func (s *Server) Fake() *fakestorage.Server { return s.fake }

// ServeHTTP serves reads as they are and every write under the lock, after
// its preconditions hold.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.ops.count(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		s.next.ServeHTTP(w, r)
		return
	}
	s.writes.Lock()
	defer s.writes.Unlock()
	if err := s.check(r); err != nil {
		writeError(w, r, err)
		return
	}
	rec := &statusRecorder{ResponseWriter: w}
	s.next.ServeHTTP(rec, r)
	s.ops.wrote(r, rec.status)
}

// Transport reaches the server in process: the gate's upstream.
func (s *Server) Transport() http.RoundTripper { return inProcess{s} }
