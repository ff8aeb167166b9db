package gate

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"
)

const (
	testBucket = "workspaces"
	testEmail  = "signer@valet-dev.iam.gserviceaccount.com"
	testOrigin = "http://app.valet.test"
)

// fixture is a gate in front of an in-process fake-gcs-server, with a clock
// the test can move.
type fixture struct {
	fake      *fakestorage.Server
	gate      *Gate
	server    *httptest.Server
	host      string // the gate's host:port, which URLs are signed for
	keyPEM    []byte
	clockSkew atomic.Int64 // added to time.Now by the gate's clock, in ns
}

func newFixture(t *testing.T, origins ...string) *fixture {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)

	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		Scheme:     "http",
		Host:       "127.0.0.1",
		PublicHost: "127.0.0.1", // matches the upstream Host with any port
	})
	require.NoError(t, err)
	t.Cleanup(fake.Stop)
	fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: testBucket})

	f := &fixture{fake: fake, keyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})}
	f.gate, err = New(Options{
		Upstream:       fake.URL(),
		Keys:           map[string]*rsa.PublicKey{testEmail: &key.PublicKey},
		AllowedOrigins: origins,
		Now:            func() time.Time { return time.Now().Add(time.Duration(f.clockSkew.Load())) },
	})
	require.NoError(t, err)
	f.server = httptest.NewServer(f.gate)
	t.Cleanup(f.server.Close)
	f.host = f.server.Listener.Addr().String()
	return f
}

// sign makes a V4 URL for object in the test bucket on the gate with the
// Go client, as the signer does.
func (f *fixture) sign(t *testing.T, method, object string, edit func(*storage.SignedURLOptions)) string {
	t.Helper()
	return f.signAt(t, f.host, testBucket, method, object, edit)
}

// signAt is sign for any host and bucket, with the fixture's key.
func (f *fixture) signAt(t *testing.T, host, bucket, method, object string, edit func(*storage.SignedURLOptions)) string {
	t.Helper()
	opts := &storage.SignedURLOptions{
		GoogleAccessID: testEmail,
		PrivateKey:     f.keyPEM,
		Method:         method,
		Expires:        time.Now().Add(15 * time.Minute),
		Scheme:         storage.SigningSchemeV4,
		Insecure:       true,
		Hostname:       host,
	}
	if edit != nil {
		edit(opts)
	}
	u, err := storage.SignedURL(bucket, object, opts)
	require.NoError(t, err)
	return u
}

func (f *fixture) do(t *testing.T, method, rawURL string, header http.Header, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := f.server.Client().Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

// stored reports whether fake-gcs-server holds the object.
func (f *fixture) stored(name string) bool {
	_, err := f.fake.GetObject(testBucket, name)
	return err == nil
}

func md5Base64(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// readXMLError decodes the gate's error document.
func readXMLError(t *testing.T, res *http.Response) xmlError {
	t.Helper()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(body, []byte("<?xml version='1.0' encoding='UTF-8'?><Error>")), "body: %s", body)
	var e xmlError
	require.NoError(t, xml.Unmarshal(body, &e))
	return e
}

// TestSignedPutThenGet uploads through a URL signed by storage.SignedURL
// with a content type, a length range and an MD5, then downloads it.
func TestSignedPutThenGet(t *testing.T) {
	f := newFixture(t)
	content := []byte("workspace tar bytes")
	const name = "jobs/j1/workspace.tar"

	putURL := f.sign(t, http.MethodPut, name, func(o *storage.SignedURLOptions) {
		o.ContentType = "application/x-tar"
		o.MD5 = md5Base64(content)
		o.Headers = []string{"x-goog-content-length-range:0,1024"}
	})
	res := f.do(t, http.MethodPut, putURL, http.Header{
		"Content-Type":                {"application/x-tar"},
		"Content-Md5":                 {md5Base64(content)},
		"X-Goog-Content-Length-Range": {"0,1024"},
	}, content)
	require.Equal(t, http.StatusOK, res.StatusCode)

	obj, err := f.fake.GetObject(testBucket, name)
	require.NoError(t, err)
	require.Equal(t, content, obj.Content)
	require.Equal(t, "application/x-tar", obj.ContentType)

	getURL := f.sign(t, http.MethodGet, name, func(o *storage.SignedURLOptions) {
		o.QueryParameters = url.Values{"response-content-disposition": {`attachment; filename="workspace.tar"`}}
	})
	res = f.do(t, http.MethodGet, getURL, nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	got, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.Equal(t, content, got)
	require.Equal(t, `attachment; filename="workspace.tar"`, res.Header.Get("Content-Disposition"))

	headURL := f.sign(t, http.MethodHead, name, nil)
	res = f.do(t, http.MethodHead, headURL, nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
}

// TestRefusals sends tampered or out-of-policy requests: each is refused with
// Cloud Storage's status and code, and nothing reaches fake-gcs-server.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	content := []byte("0123456789")
	putHeaders := http.Header{"Content-Type": {"text/plain"}, "X-Goog-Content-Length-Range": {"0,10"}, "Content-Md5": {md5Base64(content)}}
	signPut := func(name string) string {
		return f.sign(t, http.MethodPut, name, func(o *storage.SignedURLOptions) {
			o.ContentType = "text/plain"
			o.MD5 = md5Base64(content)
			o.Headers = []string{"x-goog-content-length-range:0,10"}
		})
	}
	withQuery := func(rawURL string, edit func(url.Values)) string {
		u, err := url.Parse(rawURL)
		require.NoError(t, err)
		q := u.Query()
		edit(q)
		u.RawQuery = q.Encode()
		return u.String()
	}
	headersWith := func(k, v string) http.Header {
		h := putHeaders.Clone()
		h.Set(k, v)
		return h
	}

	cases := []struct {
		name      string
		method    string
		url       func(name string) string
		header    http.Header
		body      []byte
		skew      time.Duration
		status    int
		code      string
		detailHas string
	}{
		{name: "tampered signature", url: func(n string) string {
			return withQuery(signPut(n), func(q url.Values) {
				s := []byte(q.Get("X-Goog-Signature"))
				s[10] = map[bool]byte{true: 'b', false: 'a'}[s[10] == 'a']
				q.Set("X-Goog-Signature", string(s))
			})
		}, status: 403, code: CodeSignatureDoesNotMatch},
		{name: "expired", url: signPut, skew: 15 * time.Minute, status: 400, code: CodeExpiredToken},
		{name: "not yet valid", url: signPut, skew: -2 * time.Minute, status: 403, code: CodeAccessDenied, detailHas: "not valid yet"},
		{name: "wrong method", url: func(n string) string { return f.sign(t, http.MethodGet, n, nil) }, status: 403, code: CodeSignatureDoesNotMatch, detailHas: "signed for GET, not PUT"},
		{name: "wrong content type", url: signPut, header: headersWith("Content-Type", "text/html"), status: 403, code: CodeSignatureDoesNotMatch},
		{name: "length range header widened", url: signPut, header: headersWith("X-Goog-Content-Length-Range", "0,1000000"), status: 403, code: CodeSignatureDoesNotMatch},
		{name: "body longer than the length range", url: func(n string) string {
			return f.sign(t, http.MethodPut, n, func(o *storage.SignedURLOptions) { o.Headers = []string{"x-goog-content-length-range:0,10"} })
		}, header: http.Header{"X-Goog-Content-Length-Range": {"0,10"}}, body: []byte("0123456789A"), status: 400, code: CodeEntityTooLarge},
		{name: "body shorter than the length range", url: func(n string) string {
			return f.sign(t, http.MethodPut, n, func(o *storage.SignedURLOptions) { o.Headers = []string{"x-goog-content-length-range:5,10"} })
		}, header: http.Header{"X-Goog-Content-Length-Range": {"5,10"}}, body: []byte("abc"), status: 400, code: CodeEntityTooSmall},
		{name: "wrong MD5", url: signPut, body: []byte("9876543210"), status: 400, code: CodeBadDigest},
		{name: "unknown credential email", url: func(n string) string {
			return f.sign(t, http.MethodPut, n, func(o *storage.SignedURLOptions) {
				o.GoogleAccessID = "intruder@evil.iam.gserviceaccount.com"
				o.ContentType = "text/plain"
				o.MD5 = md5Base64(content)
				o.Headers = []string{"x-goog-content-length-range:0,10"}
			})
		}, status: 403, code: CodeAccessDenied, detailHas: "not known"},
		{name: "missing signature", url: func(n string) string {
			return withQuery(signPut(n), func(q url.Values) { q.Del("X-Goog-Signature") })
		}, status: 403, code: CodeAccessDenied},
		{name: "no query at all", url: func(n string) string { return "http://" + f.host + "/" + testBucket + "/" + n }, status: 403, code: CodeAccessDenied},
		// storage.SignedURL refuses to sign for more than 7 days; the gate
		// refuses such an expiry before it looks at the signature.
		{name: "expires above 7 days", url: func(n string) string {
			return withQuery(signPut(n), func(q url.Values) { q.Set("X-Goog-Expires", "604801") })
		}, status: 400, code: CodeInvalidArgument},
		{name: "unsigned query parameter added", url: func(n string) string {
			return withQuery(signPut(n), func(q url.Values) { q.Set("generation", "1") })
		}, status: 403, code: CodeSignatureDoesNotMatch},
		{name: "signed for another host", url: func(n string) string {
			u := f.sign(t, http.MethodPut, n, func(o *storage.SignedURLOptions) {
				o.Hostname = "storage.example.com"
				o.ContentType = "text/plain"
				o.MD5 = md5Base64(content)
				o.Headers = []string{"x-goog-content-length-range:0,10"}
			})
			return "http://" + f.host + u[len("http://storage.example.com"):]
		}, status: 403, code: CodeSignatureDoesNotMatch},
		{name: "credential day is not the date's", url: func(n string) string {
			return withQuery(signPut(n), func(q url.Values) {
				d := q.Get("X-Goog-Date")
				q.Set("X-Goog-Date", "2001"+d[4:])
			})
		}, status: 400, code: CodeMalformedSecurityHeader},
		{name: "HMAC algorithm", url: func(n string) string {
			return withQuery(signPut(n), func(q url.Values) { q.Set("X-Goog-Algorithm", "GOOG4-HMAC-SHA256") })
		}, status: 400, code: CodeMalformedSecurityHeader},
		{name: "resumable start", method: http.MethodPost, url: func(n string) string {
			return f.sign(t, http.MethodPost, n, func(o *storage.SignedURLOptions) { o.Headers = []string{"x-goog-resumable:start"} })
		}, header: http.Header{"X-Goog-Resumable": {"start"}}, body: []byte{}, status: 400, code: CodeInvalidArgument, detailHas: "Resumable"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := "refused/" + string(rune('a'+i))
			method := tc.method
			if method == "" {
				method = http.MethodPut
			}
			header := tc.header
			if header == nil {
				header = putHeaders
			}
			body := tc.body
			if body == nil {
				body = content
			}
			signed := tc.url(name)
			f.clockSkew.Store(int64(tc.skew))
			defer f.clockSkew.Store(0)

			res := f.do(t, method, signed, header, body)
			require.Equal(t, tc.status, res.StatusCode)
			e := readXMLError(t, res)
			require.Equal(t, tc.code, e.Code)
			require.Contains(t, e.Details, tc.detailHas)
			require.False(t, f.stored(name), "nothing may be stored upstream")
		})
	}

	// The unmodified request passes, so each case above failed for its own reason.
	res := f.do(t, http.MethodPut, signPut("refused/control"), putHeaders, content)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.True(t, f.stored("refused/control"))
}

// TestHeadNeedsHeadSignature: like Cloud Storage, a GET-signed URL does not
// allow HEAD.
func TestHeadNeedsHeadSignature(t *testing.T) {
	f := newFixture(t)
	res := f.do(t, http.MethodHead, f.sign(t, http.MethodGet, "any", nil), nil, nil)
	require.Equal(t, http.StatusForbidden, res.StatusCode)
}

// endlessReader counts what the gate reads of a body that never ends.
type endlessReader struct{ read int64 }

func (r *endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.read += int64(len(p))
	return len(p), nil
}

// TestOversizedBodyIsNotReadToTheEnd: a body above the signed maximum is
// refused after at most MAX+1 bytes (plus one read buffer), with or without
// a declared Content-Length.
func TestOversizedBodyIsNotReadToTheEnd(t *testing.T) {
	f := newFixture(t)
	const maxSize = 1000
	signed := f.sign(t, http.MethodPut, "big", func(o *storage.SignedURLOptions) {
		o.Headers = []string{"x-goog-content-length-range:0,1000"}
	})

	for _, declared := range []int64{-1, 1 << 40} {
		body := &endlessReader{}
		req := httptest.NewRequest(http.MethodPut, signed, body)
		req.Host = f.host
		req.ContentLength = declared
		req.Header.Set("X-Goog-Content-Length-Range", "0,1000")
		rec := httptest.NewRecorder()
		f.gate.ServeHTTP(rec, req)

		require.Equal(t, http.StatusBadRequest, rec.Code)
		require.Contains(t, rec.Body.String(), "<Code>EntityTooLarge</Code>")
		require.LessOrEqual(t, body.read, int64(maxSize+1+32*1024))
		require.False(t, f.stored("big"))
	}
}

// TestMaxBodyBytesCapsUnrangedUploads: without a length range the gate's
// own cap applies.
func TestMaxBodyBytesCapsUnrangedUploads(t *testing.T) {
	f := newFixture(t)
	capped, err := New(Options{Upstream: f.fake.URL(), Keys: f.gate.verifier.Keys, MaxBodyBytes: 4})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPut, f.sign(t, http.MethodPut, "capped", nil), bytes.NewReader([]byte("12345")))
	req.Host = f.host
	rec := httptest.NewRecorder()
	capped.ServeHTTP(rec, req)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "<Code>EntityTooLarge</Code>")
	require.False(t, f.stored("capped"))
}

func TestNewRefusesBadOptions(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	keys := map[string]*rsa.PublicKey{testEmail: &key.PublicKey}
	for name, opts := range map[string]Options{
		"no upstream":        {Keys: keys},
		"upstream with path": {Upstream: "http://127.0.0.1:1/x", Keys: keys},
		"ftp upstream":       {Upstream: "ftp://127.0.0.1:1", Keys: keys},
		"no keys":            {Upstream: "http://127.0.0.1:1"},
		"nil key":            {Upstream: "http://127.0.0.1:1", Keys: map[string]*rsa.PublicKey{testEmail: nil}},
		"empty origin":       {Upstream: "http://127.0.0.1:1", Keys: keys, AllowedOrigins: []string{""}},
	} {
		_, err := New(opts)
		require.Error(t, err, name)
	}
}
