package signer

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/storage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

const testAccount = "valet-api@valet-test.iam.gserviceaccount.com"

// testKey is one RSA key shared by the package's tests (generating one per
// test is slow under -race).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

func testKeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(testKey())
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

var testNow = time.Date(2026, 11, 23, 10, 30, 15, 987654321, time.UTC)

func newTestSigner(t *testing.T, mutate ...func(*Options)) *Signer {
	t.Helper()
	opts := Options{
		GoogleAccessID: testAccount,
		PrivateKey:     testKeyPEM(),
		Hostname:       "127.0.0.1:4443",
		Insecure:       true,
		Now:            func() time.Time { return testNow },
	}
	for _, m := range mutate {
		m(&opts)
	}
	s, err := New(opts)
	require.NoError(t, err)
	return s
}

// verifyV4 rebuilds the canonical request of a signed URL from the URL
// itself and the headers the client is told to send, the way Cloud Storage
// does, and checks the signature with pub. It returns the parsed query.
func verifyV4(t *testing.T, pub *rsa.PublicKey, u URL) url.Values {
	t.Helper()
	parsed, err := url.Parse(u.URL)
	require.NoError(t, err)
	q := parsed.Query()
	signature, err := hex.DecodeString(q.Get("X-Goog-Signature"))
	require.NoError(t, err)

	var params []string
	for k, vs := range q {
		if k == "X-Goog-Signature" {
			continue
		}
		for _, v := range vs {
			params = append(params, escape(k)+"="+escape(v))
		}
	}
	sort.Strings(params)

	signedHeaders := strings.Split(q.Get("X-Goog-SignedHeaders"), ";")
	var headers strings.Builder
	for _, name := range signedHeaders {
		value := ""
		if name == "host" {
			value = parsed.Hostname()
		} else {
			for k, v := range u.Headers {
				if strings.EqualFold(k, name) {
					value = v
				}
			}
			require.NotEmpty(t, value, "signed header %s is not in URL.Headers", name)
		}
		headers.WriteString(name + ":" + value + "\n")
	}
	canonical := strings.Join([]string{
		u.Method, parsed.EscapedPath(), strings.Join(params, "&"), headers.String(),
		q.Get("X-Goog-SignedHeaders"), "UNSIGNED-PAYLOAD",
	}, "\n")
	digest := sha256.Sum256([]byte(canonical))
	date := q.Get("X-Goog-Date")
	scope := strings.TrimPrefix(q.Get("X-Goog-Credential"), testAccount+"/")
	toSign := "GOOG4-RSA-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(digest[:])
	sum := sha256.Sum256([]byte(toSign))
	require.NoError(t, rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], signature), "signature does not verify")
	return q
}

func escape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

func TestUploadBindsContentTypeSizeAndMD5(t *testing.T) {
	s := newTestSigner(t)
	md5 := "1B2M2Y8AsgTpgAmY7PhCfg=="
	u, err := s.Upload("valet-workspaces", "jobs/j1/workspace.tar", UploadOptions{
		ContentType: "application/x-tar",
		MinBytes:    1,
		MaxBytes:    1 << 20,
		MD5:         md5,
		TTL:         time.Hour,
	})
	require.NoError(t, err)
	require.Equal(t, http.MethodPut, u.Method)
	require.Equal(t, map[string]string{
		"Content-Type":                "application/x-tar",
		"x-goog-content-length-range": "1,1048576",
		"Content-MD5":                 md5,
	}, u.Headers)
	require.Equal(t, testNow.Truncate(time.Second).Add(time.Hour), u.ExpiresAt)
	require.True(t, strings.HasPrefix(u.URL, "http://127.0.0.1:4443/valet-workspaces/jobs/j1/workspace.tar?"), u.URL)

	q := verifyV4(t, &testKey().PublicKey, u)
	require.Equal(t, "3600", q.Get("X-Goog-Expires"))
	require.Equal(t, "20261123T103015Z", q.Get("X-Goog-Date"))
	require.Equal(t, "GOOG4-RSA-SHA256", q.Get("X-Goog-Algorithm"))
	require.Equal(t, testAccount+"/20261123/auto/storage/goog4_request", q.Get("X-Goog-Credential"))
	require.Equal(t, []string{"content-md5", "content-type", "host", "x-goog-content-length-range"},
		strings.Split(q.Get("X-Goog-SignedHeaders"), ";"))
	require.False(t, q.Has("x-goog-content-length-range"), "the size range must be a signed header, not a query parameter")
}

func TestUploadWithoutMD5SignsNoMD5(t *testing.T) {
	s := newTestSigner(t)
	u, err := s.Upload("valet-objects", "a b/ü+&.bin", UploadOptions{ContentType: "text/plain;  charset=utf-8", MaxBytes: 10, TTL: 90 * time.Second})
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"Content-Type":                "text/plain; charset=utf-8",
		"x-goog-content-length-range": "0,10",
	}, u.Headers)
	q := verifyV4(t, &testKey().PublicKey, u)
	require.Equal(t, "content-type;host;x-goog-content-length-range", q.Get("X-Goog-SignedHeaders"))
	require.Contains(t, u.URL, "/valet-objects/a%20b/%C3%BC%2B%26.bin?")
}

func TestDownloadSignsResponseOverrides(t *testing.T) {
	s := newTestSigner(t)
	u, err := s.Download("valet-outputs", "jobs/j1/output.tar", DownloadOptions{
		TTL:                time.Hour,
		ContentDisposition: `attachment; filename="output.tar"`,
		ContentType:        "application/x-tar",
	})
	require.NoError(t, err)
	require.Equal(t, http.MethodGet, u.Method)
	require.Nil(t, u.Headers)
	q := verifyV4(t, &testKey().PublicKey, u)
	require.Equal(t, "host", q.Get("X-Goog-SignedHeaders"))
	require.Equal(t, `attachment; filename="output.tar"`, q.Get("response-content-disposition"))
	require.Equal(t, "application/x-tar", q.Get("response-content-type"))
}

func TestDefaultsToCloudStorageOverHTTPS(t *testing.T) {
	s := newTestSigner(t, func(o *Options) { o.Hostname = ""; o.Insecure = false })
	u, err := s.Download("valet-outputs", "o", DownloadOptions{TTL: time.Minute})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(u.URL, "https://storage.googleapis.com/valet-outputs/o?"), u.URL)
}

// TestMatchesStorageClient signs the same request as storage.SignedURL at the
// instant the client chose, and expects the same URL.
func TestMatchesStorageClient(t *testing.T) {
	want, err := storage.SignedURL("valet-workspaces", "jobs/j 1/w.tar", &storage.SignedURLOptions{
		GoogleAccessID: testAccount,
		PrivateKey:     testKeyPEM(),
		Method:         http.MethodPut,
		Expires:        time.Now().Add(2 * time.Hour),
		ContentType:    "application/x-tar",
		MD5:            "1B2M2Y8AsgTpgAmY7PhCfg==",
		Headers:        []string{"x-goog-content-length-range:5,100"},
		Scheme:         storage.SigningSchemeV4,
		Insecure:       true,
		Hostname:       "127.0.0.1:4443",
	})
	require.NoError(t, err)
	wantURL, err := url.Parse(want)
	require.NoError(t, err)
	date, err := time.Parse(dateLayout, wantURL.Query().Get("X-Goog-Date"))
	require.NoError(t, err)
	expires, err := strconv.Atoi(wantURL.Query().Get("X-Goog-Expires"))
	require.NoError(t, err)

	s := newTestSigner(t, func(o *Options) { o.Now = func() time.Time { return date } })
	got, err := s.Upload("valet-workspaces", "jobs/j 1/w.tar", UploadOptions{
		ContentType: "application/x-tar", MinBytes: 5, MaxBytes: 100,
		MD5: "1B2M2Y8AsgTpgAmY7PhCfg==", TTL: time.Duration(expires) * time.Second,
	})
	require.NoError(t, err)
	gotURL, err := url.Parse(got.URL)
	require.NoError(t, err)
	require.Equal(t, wantURL.Scheme+"://"+wantURL.Host+wantURL.EscapedPath(), gotURL.Scheme+"://"+gotURL.Host+gotURL.EscapedPath())
	require.Equal(t, wantURL.Query(), gotURL.Query())
}

func TestTTLLimits(t *testing.T) {
	s := newTestSigner(t)
	for _, tc := range []struct {
		ttl     time.Duration
		expires string // "" when refused
	}{
		{ttl: MaxTTL, expires: "604800"},
		{ttl: MaxTTL + time.Second},
		{ttl: MaxTTL + time.Nanosecond},
		{ttl: time.Second, expires: "1"},
		{ttl: 1500 * time.Millisecond, expires: "1"},
		{ttl: 999 * time.Millisecond},
		{ttl: 0},
		{ttl: -time.Hour},
	} {
		t.Run(tc.ttl.String(), func(t *testing.T) {
			for _, sign := range []func() (URL, error){
				func() (URL, error) {
					return s.Upload("valet-b", "o", UploadOptions{ContentType: "text/plain", MaxBytes: 1, TTL: tc.ttl})
				},
				func() (URL, error) { return s.Download("valet-b", "o", DownloadOptions{TTL: tc.ttl}) },
			} {
				u, err := sign()
				if tc.expires == "" {
					require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "err=%v", err)
					continue
				}
				require.NoError(t, err)
				q := verifyV4(t, &testKey().PublicKey, u)
				require.Equal(t, tc.expires, q.Get("X-Goog-Expires"))
				n, _ := strconv.Atoi(tc.expires)
				require.Equal(t, testNow.Truncate(time.Second).Add(time.Duration(n)*time.Second), u.ExpiresAt)
			}
		})
	}
}

func TestUploadValidation(t *testing.T) {
	s := newTestSigner(t)
	valid := UploadOptions{ContentType: "application/octet-stream", MinBytes: 0, MaxBytes: 100, TTL: time.Hour}
	for _, tc := range []struct {
		name   string
		bucket string
		object string
		mutate func(*UploadOptions)
		code   apperr.Code // "" means accepted; apperr.Internal means a plain error
	}{
		{name: "valid", mutate: func(*UploadOptions) {}},
		{name: "empty object", object: "-", mutate: func(*UploadOptions) {}, code: apperr.Invalid},
		{name: "object with newline", object: "a\nb", mutate: func(*UploadOptions) {}, code: apperr.Invalid},
		{name: "object dot-dot", object: "..", mutate: func(*UploadOptions) {}, code: apperr.Invalid},
		{name: "object not UTF-8", object: "a\xffb", mutate: func(*UploadOptions) {}, code: apperr.Invalid},
		{name: "object too long", object: strings.Repeat("a", 1025), mutate: func(*UploadOptions) {}, code: apperr.Invalid},
		{name: "empty bucket", bucket: "-", mutate: func(*UploadOptions) {}, code: apperr.Internal},
		{name: "bucket with slash", bucket: "a/b/c", mutate: func(*UploadOptions) {}, code: apperr.Internal},
		{name: "bucket upper case", bucket: "Valet", mutate: func(*UploadOptions) {}, code: apperr.Internal},
		{name: "no content type", mutate: func(o *UploadOptions) { o.ContentType = "" }, code: apperr.Invalid},
		{name: "content type without subtype", mutate: func(o *UploadOptions) { o.ContentType = "text" }, code: apperr.Invalid},
		{name: "content type with empty subtype", mutate: func(o *UploadOptions) { o.ContentType = "text/" }, code: apperr.Invalid},
		{name: "content type garbage", mutate: func(o *UploadOptions) { o.ContentType = "text/plain; =" }, code: apperr.Invalid},
		{name: "content type header injection", mutate: func(o *UploadOptions) { o.ContentType = "text/plain\r\nX-Evil: 1" }, code: apperr.Invalid},
		{name: "content type non-ASCII", mutate: func(o *UploadOptions) { o.ContentType = "text/plä" }, code: apperr.Invalid},
		{name: "content type with parameter", mutate: func(o *UploadOptions) { o.ContentType = "text/csv; charset=utf-8" }},
		{name: "max below min", mutate: func(o *UploadOptions) { o.MinBytes, o.MaxBytes = 10, 9 }, code: apperr.Invalid},
		{name: "negative min", mutate: func(o *UploadOptions) { o.MinBytes = -1 }, code: apperr.Invalid},
		{name: "negative max", mutate: func(o *UploadOptions) { o.MinBytes, o.MaxBytes = -5, -1 }, code: apperr.Invalid},
		{name: "empty only", mutate: func(o *UploadOptions) { o.MinBytes, o.MaxBytes = 0, 0 }},
		{name: "md5 valid", mutate: func(o *UploadOptions) { o.MD5 = "XrY7u+Ae7tCTyyK7j1rNww==" }},
		{name: "md5 not base64", mutate: func(o *UploadOptions) { o.MD5 = "not base64!" }, code: apperr.Invalid},
		{name: "md5 wrong length", mutate: func(o *UploadOptions) { o.MD5 = "AAAA" }, code: apperr.Invalid},
		{name: "md5 hex", mutate: func(o *UploadOptions) { o.MD5 = "5eb63bbbe01eeed093cb22bb8f5acdc3" }, code: apperr.Invalid},
		{name: "md5 unpadded", mutate: func(o *UploadOptions) { o.MD5 = "XrY7u+Ae7tCTyyK7j1rNww" }, code: apperr.Invalid},
		{name: "ttl zero", mutate: func(o *UploadOptions) { o.TTL = 0 }, code: apperr.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bucket, object := or(tc.bucket, "valet-workspaces"), or(tc.object, "jobs/j1/workspace.tar")
			o := valid
			tc.mutate(&o)
			u, err := s.Upload(bucket, object, o)
			requireCode(t, tc.code, err)
			if tc.code == "" {
				verifyV4(t, &testKey().PublicKey, u)
			} else {
				require.Empty(t, u.URL)
			}
		})
	}
}

func TestDownloadValidation(t *testing.T) {
	s := newTestSigner(t)
	for _, tc := range []struct {
		name   string
		object string
		opts   DownloadOptions
		code   apperr.Code
	}{
		{name: "valid", opts: DownloadOptions{TTL: time.Hour}},
		{name: "empty object", object: "-", opts: DownloadOptions{TTL: time.Hour}, code: apperr.Invalid},
		{name: "ttl over 7 days", opts: DownloadOptions{TTL: 8 * 24 * time.Hour}, code: apperr.Invalid},
		{name: "disposition", opts: DownloadOptions{TTL: time.Hour, ContentDisposition: "inline"}},
		{name: "disposition garbage", opts: DownloadOptions{TTL: time.Hour, ContentDisposition: "attachment; filename"}, code: apperr.Invalid},
		{name: "disposition newline", opts: DownloadOptions{TTL: time.Hour, ContentDisposition: "attachment;\nfilename=a"}, code: apperr.Invalid},
		{name: "content type bad", opts: DownloadOptions{TTL: time.Hour, ContentType: "tar"}, code: apperr.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := s.Download("valet-outputs", or(tc.object, "o.tar"), tc.opts)
			requireCode(t, tc.code, err)
			if tc.code == "" {
				verifyV4(t, &testKey().PublicKey, u)
			}
		})
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	sign := func([]byte) ([]byte, error) { return nil, nil }
	for name, opts := range map[string]Options{
		"no account":       {PrivateKey: testKeyPEM()},
		"no key":           {GoogleAccessID: testAccount},
		"key and signer":   {GoogleAccessID: testAccount, PrivateKey: testKeyPEM(), SignBytes: sign},
		"not PEM":          {GoogleAccessID: testAccount, PrivateKey: []byte("secret")},
		"not a key":        {GoogleAccessID: testAccount, PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")})},
		"hostname scheme":  {GoogleAccessID: testAccount, SignBytes: sign, Hostname: "http://127.0.0.1:1"},
		"hostname path":    {GoogleAccessID: testAccount, SignBytes: sign, Hostname: "127.0.0.1:1/x"},
		"account is a URL": {GoogleAccessID: "a/b", SignBytes: sign},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := New(opts)
			require.Error(t, err)
			require.Nil(t, s)
			require.NotContains(t, err.Error(), "secret")
		})
	}
}

func TestSigningFailureIsAPlainError(t *testing.T) {
	boom := errors.New("iam down")
	s := newTestSigner(t, func(o *Options) {
		o.PrivateKey = nil
		o.SignBytes = func([]byte) ([]byte, error) { return nil, boom }
	})
	_, err := s.Download("valet-outputs", "o", DownloadOptions{TTL: time.Hour})
	require.ErrorIs(t, err, boom)
	require.Equal(t, apperr.Internal, apperr.CodeOf(err))
}

func TestURLJSON(t *testing.T) {
	u := URL{URL: "http://x/b/o", Method: "GET", ExpiresAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	b, err := json.Marshal(u)
	require.NoError(t, err)
	require.JSONEq(t, `{"url":"http://x/b/o","method":"GET","expiresAt":"2026-01-02T03:04:05Z"}`, string(b))
}

// requireCode checks err against want: "" accepted, Internal a plain error,
// anything else that apperr code.
func requireCode(t *testing.T, want apperr.Code, err error) {
	t.Helper()
	switch want {
	case "":
		require.NoError(t, err)
	case apperr.Internal:
		require.Error(t, err)
		var ae *apperr.Error
		require.False(t, errors.As(err, &ae), "want a plain error, got %v", err)
	default:
		require.Equal(t, want, apperr.CodeOf(err), "err=%v", err)
	}
}

// or returns v, or def when v is empty; "-" stands for the empty string.
func or(v, def string) string {
	switch v {
	case "":
		return def
	case "-":
		return ""
	}
	return v
}
