package privategcs

import (
	"net/http"
	"strings"
	"sync/atomic"
)

// Operations counts the requests the store served as Cloud Storage bills
// them ("Cloud Storage pricing", operations by class,
// https://cloud.google.com/storage/pricing#operations-by-class): Class A
// for object inserts (a JSON upload, an XML PUT or POST), patches,
// copies, rewrites and listings; Class B for gets of objects and of
// metadata (GET and HEAD); deletes are free. CORS preflights (OPTIONS)
// are not operations. Refused requests count too.
type Operations struct {
	ClassA, ClassB, Free int64
	// Written counts the uploads and copies that succeeded: each creates
	// an object, and so a storage notification (one Eventarc event).
	Written int64
}

// counters are the Server's Operations.
type counters struct {
	classA, classB, free, written atomic.Int64
}

// Operations returns the operations served so far: requests from the
// functions and, through the gate, those of signed URLs.
func (s *Server) Operations() Operations {
	return Operations{ClassA: s.ops.classA.Load(), ClassB: s.ops.classB.Load(), Free: s.ops.free.Load(), Written: s.ops.written.Load()}
}

// statusRecorder remembers the status a handler answered.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// wrote counts a write that created an object: a successful PUT or POST.
func (c *counters) wrote(r *http.Request, status int) {
	if (r.Method == http.MethodPut || r.Method == http.MethodPost) && status >= 200 && status < 300 {
		c.written.Add(1)
	}
}

// count adds r to its class.
func (c *counters) count(r *http.Request) {
	switch r.Method {
	case http.MethodOptions:
	case http.MethodDelete:
		c.free.Add(1)
	case http.MethodGet, http.MethodHead:
		if listing(r.URL.Path) {
			c.classA.Add(1)
		} else {
			c.classB.Add(1)
		}
	default: // POST, PUT, PATCH: inserts, copies, rewrites, updates
		c.classA.Add(1)
	}
}

// listing says whether a GET of path lists objects: the JSON API's
// /storage/v1/b/B/o or the XML API's /B (a bucket, no object).
func listing(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 5 && parts[0] == "storage" && parts[2] == "b" && parts[4] == "o":
		return true
	case len(parts) == 1 && parts[0] != "":
		return true
	}
	return false
}
