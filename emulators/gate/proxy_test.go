package gate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/stretchr/testify/require"
)

// TestProxiedRequestShape: what reaches the upstream is the verified
// request, without its signature and without headers the gate does not
// forward; the upstream's CORS headers do not come back.
func TestProxiedRequestShape(t *testing.T) {
	f := newFixture(t)
	var seen *http.Request
	var seenBody []byte
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.Clone(r.Context())
		seenBody, _ = io.ReadAll(r.Body)
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte("payload"))
	}))
	t.Cleanup(upstream.Close)
	g, err := New(Options{Upstream: upstream.URL, Keys: f.gate.verifier.Keys, Now: time.Now})
	require.NoError(t, err)
	front := httptest.NewServer(g)
	t.Cleanup(front.Close)
	host := front.Listener.Addr().String()

	put := f.signAt(t, host, testBucket, http.MethodPut, "dir/a b&c.txt", func(o *storage.SignedURLOptions) {
		o.ContentType, o.Headers = "text/plain", []string{"x-goog-meta-job:j1"}
	})
	req, err := http.NewRequest(http.MethodPut, put, strings.NewReader("hello"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("X-Goog-Meta-Job", "j1")
	req.Header.Set("X-Goog-Meta-Unsigned", "dropped")
	req.Header.Set("Authorization", "Bearer secret")
	req.Header.Set("Cookie", "c=1")
	res, err := front.Client().Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))

	require.NotNil(t, seen)
	require.Equal(t, http.MethodPut, seen.Method)
	require.Equal(t, upstream.Listener.Addr().String(), seen.Host)
	require.Equal(t, "/"+testBucket+"/dir/a%20b%26c.txt", seen.URL.EscapedPath())
	q := seen.URL.Query()
	require.False(t, q.Has("X-Goog-Signature"), "the signature must not reach the upstream")
	require.Equal(t, "GOOG4-RSA-SHA256", q.Get("X-Goog-Algorithm"))
	require.Equal(t, "hello", string(seenBody))
	require.Equal(t, "text/plain", seen.Header.Get("Content-Type"))
	require.Equal(t, "j1", seen.Header.Get("X-Goog-Meta-Job"))
	for _, h := range []string{"X-Goog-Meta-Unsigned", "Authorization", "Cookie"} {
		require.Empty(t, seen.Header.Get(h), h)
	}

	get := f.signAt(t, host, testBucket, http.MethodGet, "dir/a b&c.txt", func(o *storage.SignedURLOptions) {
		o.QueryParameters = url.Values{"response-content-type": {"application/x-tar"}, "response-content-disposition": {"attachment"}}
	})
	res, err = front.Client().Get(get)
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/x-tar", res.Header.Get("Content-Type"))
	require.Equal(t, "attachment", res.Header.Get("Content-Disposition"))
	require.Equal(t, http.NoBody, seen.Body)
}

// TestPathStyleOnly: verified requests that are not /<bucket>/<object>, or
// that name a path fake-gcs-server routes elsewhere, are not proxied.
func TestPathStyleOnly(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/" + testBucket, "/" + testBucket + "/", "/download/storage/v1/b/" + testBucket + "/o/x", "/_internal/config", "/AB/x"} {
		req := httptest.NewRequest(http.MethodGet, "http://"+f.host+path, nil)
		signed := signRequest(t, f, req)
		rec := httptest.NewRecorder()
		f.gate.ServeHTTP(rec, signed)
		require.Equal(t, http.StatusBadRequest, rec.Code, path)
		require.Contains(t, rec.Body.String(), "<Code>InvalidArgument</Code>", path)
	}
}

// signRequest signs req's path with the Go client, whatever the path.
func signRequest(t *testing.T, f *fixture, req *http.Request) *http.Request {
	t.Helper()
	bucket, object := splitForSigning(req.URL.Path)
	out := httptest.NewRequest(req.Method, f.signAt(t, f.host, bucket, req.Method, object, nil), nil)
	out.Host = f.host
	_, err := f.gate.VerifySignature(RequestOf(out))
	require.NoError(t, err, "the request must verify so that only the path rule refuses it")
	return out
}

func splitForSigning(p string) (bucket, object string) {
	bucket, object, _ = strings.Cut(strings.TrimPrefix(p, "/"), "/")
	return bucket, object
}

// TestUpstreamDown: a verified request to an upstream that does not answer
// gets a 502 XML error, not a hang or a panic.
func TestUpstreamDown(t *testing.T) {
	f := newFixture(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close()
	g, err := New(Options{Upstream: downURL, Keys: f.gate.verifier.Keys})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, f.sign(t, http.MethodGet, "obj", nil), nil)
	req.Host = f.host
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	require.Equal(t, http.StatusBadGateway, rec.Code)
	require.Contains(t, rec.Body.String(), "<Code>BadGateway</Code>")
}
