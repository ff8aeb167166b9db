package privategcs

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The in-process transport streams: the caller has the answer and its
// first bytes while the handler is still writing, so a download is never
// held whole in memory. Before, the answer was recorded whole first (a
// 256 MiB download held 256 MiB), and this test hung.
func TestInProcessTransportStreamsTheAnswer(t *testing.T) {
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test", "streamed")
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write([]byte("first"))
		<-release // the rest only once the caller has read the first bytes
		_, _ = w.Write([]byte(" rest"))
	})
	req, err := http.NewRequest(http.MethodGet, "http://store.test/b/o", nil)
	require.NoError(t, err)
	res, err := inProcess{h}.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusPartialContent, res.StatusCode)
	require.Equal(t, "streamed", res.Header.Get("X-Test"))
	first := make([]byte, len("first"))
	_, err = io.ReadFull(res.Body, first)
	require.NoError(t, err)
	require.Equal(t, "first", string(first))
	close(release)
	rest, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, " rest", string(rest))
	require.NoError(t, res.Body.Close())
}

// A handler that writes nothing answers 200 with an empty body, and a
// header set after WriteHeader is not sent, as on a socket.
func TestInProcessTransportDefaults(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "http://store.test/", nil)
	require.NoError(t, err)
	res, err := inProcess{http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}.RoundTrip(req)
	require.NoError(t, err)
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Empty(t, b)

	res, err = inProcess{http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		w.Header().Set("X-Late", "1")
	})}.RoundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Empty(t, res.Header.Get("X-Late"))
}
