package gate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/stretchr/testify/require"
)

// discardWriter is a ResponseWriter that keeps nothing of the body.
type discardWriter struct {
	header http.Header
	status int
	n      int64
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *discardWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += int64(len(b))
	return len(b), nil
}

// allocated is how many bytes the process allocated while fn ran.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestGateStreamsBodies: the gate holds neither an upload nor a download
// whole in memory. A 64 MiB PUT is spooled to a temporary file while its
// size and digests are checked, then streamed upstream; a 64 MiB GET is
// copied through. Everything the process allocates while either passes
// stays below half the body's size (about 9 MB here, 17 MB under the
// race detector, which empties sync.Pools at random; a gate that kept the
// body in memory allocated 134 MB), so the dev server's memory does not
// follow the transfer through the gate. (What remains, fake-gcs-server's
// own write buffer, is in docs/local-stack.md.)
func TestGateStreamsBodies(t *testing.T) {
	const size = 64 << 20
	var received int64
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPut:
			received, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"generation":"1","size":"`+strconv.FormatInt(received, 10)+`"}`)
		case http.MethodGet:
			w.Header().Set("Content-Length", strconv.Itoa(size))
			_, _ = io.Copy(w, io.LimitReader(&endlessReader{}, size))
		}
	}))
	t.Cleanup(upstream.Close)
	f := newFixture(t)
	g, err := New(Options{Upstream: upstream.URL, Keys: f.gate.verifier.Keys, Now: time.Now})
	require.NoError(t, err)
	serve := func(req *http.Request) *discardWriter {
		req.Host = f.host
		w := &discardWriter{header: http.Header{}}
		g.ServeHTTP(w, req)
		return w
	}

	put := f.sign(t, http.MethodPut, "big", func(o *storage.SignedURLOptions) {
		o.Headers = []string{"x-goog-content-length-range:0," + strconv.Itoa(size)}
	})
	var w *discardWriter
	up := allocated(func() {
		req := httptest.NewRequest(http.MethodPut, put, io.LimitReader(&endlessReader{}, size))
		req.ContentLength = size
		req.Header.Set("X-Goog-Content-Length-Range", "0,"+strconv.Itoa(size))
		w = serve(req)
	})
	require.Equal(t, http.StatusOK, w.status)
	require.EqualValues(t, size, received, "the whole body reached the upstream")
	require.Less(t, up, uint64(size/2), "the gate allocated %d bytes for a %d-byte upload", up, size)

	get := f.sign(t, http.MethodGet, "big", nil)
	down := allocated(func() { w = serve(httptest.NewRequest(http.MethodGet, get, nil)) })
	require.Equal(t, http.StatusOK, w.status)
	require.EqualValues(t, size, w.n, "the whole object reached the caller")
	require.Less(t, down, uint64(size/2), "the gate allocated %d bytes for a %d-byte download", down, size)
}
