package secretmanager

import "sync/atomic"

// faults makes the next calls fail, so tests can see how callers cope with
// an outage (Secret Manager down, an emulator restarting).
type faults struct {
	remaining atomic.Int64
}

// FailNext makes the next n calls answer Unavailable without doing
// anything.
func (s *Server) FailNext(n int) { s.faults.remaining.Store(int64(n)) }

// fail reports whether this call is one FailNext asked to fail.
func (f *faults) fail() bool {
	for {
		n := f.remaining.Load()
		if n <= 0 {
			return false
		}
		if f.remaining.CompareAndSwap(n, n-1) {
			return true
		}
	}
}
