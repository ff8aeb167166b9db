package gcloud

import (
	"bytes"
	"io"
	"sync"
)

// readyLine is what the emulator of kind prints once it listens on its
// port. Start waits for it as well as for an answer on the port: an answer
// alone may come from another server that took the port between FreePort
// and the emulator's bind (another test's emulator, on a busy machine), and
// the emulator, unable to bind, exits.
func (k Kind) readyLine() []byte {
	if k == Firestore {
		return []byte("Dev App Server is now running")
	}
	return []byte("Server started, listening on")
}

// readyWatch passes an emulator's output on to w and closes seen once the
// output holds line.
type readyWatch struct {
	w    io.Writer
	line []byte
	seen chan struct{}

	mu   sync.Mutex
	tail []byte // the output since the last line break, while line is unseen
}

func newReadyWatch(w io.Writer, line []byte) *readyWatch {
	return &readyWatch{w: w, line: line, seen: make(chan struct{})}
}

func (r *readyWatch) Write(p []byte) (int, error) {
	r.mu.Lock()
	if !r.isSeen() {
		r.tail = append(r.tail, p...)
		if bytes.Contains(r.tail, r.line) {
			close(r.seen)
		} else if i := bytes.LastIndexByte(r.tail, '\n'); i >= 0 {
			r.tail = append(r.tail[:0], r.tail[i+1:]...)
		}
	}
	r.mu.Unlock()
	return r.w.Write(p)
}

func (r *readyWatch) isSeen() bool {
	select {
	case <-r.seen:
		return true
	default:
		return false
	}
}
