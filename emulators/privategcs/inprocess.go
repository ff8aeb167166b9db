package privategcs

import (
	"io"
	"net/http"
	"strconv"
	"sync"
)

// inProcess serves a request with the server's handler, without a socket.
// The answer streams: its body is a pipe the handler writes into while the
// caller reads, so a download of any size never sits whole in memory.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	if r.Host == "" { // as a client would send it, so fake-gcs-server routes by host
		r = r.Clone(r.Context())
		r.Host = r.URL.Host
	}
	pr, pw := io.Pipe()
	w := &pipeWriter{header: http.Header{}, body: pw, ready: make(chan struct{})}
	go func() {
		defer func() {
			w.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200
			_ = pw.Close()
		}()
		t.h.ServeHTTP(w, r)
	}()
	select {
	case <-w.ready:
	case <-r.Context().Done():
		_ = pr.CloseWithError(r.Context().Err())
		return nil, r.Context().Err()
	}
	res := &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          pr,
		ContentLength: -1,
		Request:       r,
	}
	if n, err := strconv.ParseInt(w.sent.Get("Content-Length"), 10, 64); err == nil {
		res.ContentLength = n
	}
	if r.Method == http.MethodHead || w.status == http.StatusNoContent || w.status == http.StatusNotModified {
		res.Body = http.NoBody
		_ = pr.Close()
	}
	return res, nil
}

// pipeWriter is the http.ResponseWriter of an in-process request: the
// header is handed over at WriteHeader (or the first Write), the body goes
// into the pipe.
type pipeWriter struct {
	header http.Header
	sent   http.Header // the header as it was at WriteHeader
	status int
	body   *io.PipeWriter
	once   sync.Once
	ready  chan struct{}
}

func (w *pipeWriter) Header() http.Header { return w.header }

func (w *pipeWriter) WriteHeader(status int) {
	w.once.Do(func() {
		w.status, w.sent = status, w.header.Clone()
		close(w.ready)
	})
}

func (w *pipeWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}
