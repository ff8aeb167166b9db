package gate

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"testing"
	"time"
)

// FuzzVerifySignature feeds arbitrary queries, paths and credential
// strings to the parsers and the verifier: they may refuse, never panic.
func FuzzVerifySignature(f *testing.F) {
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		f.Fatal(err)
	}
	const email = "test-iam-credentials@dummy-project-id.iam.gserviceaccount.com"
	verifier := &Verifier{
		Keys: map[string]*rsa.PublicKey{email: &key.PublicKey},
		Now:  func() time.Time { return time.Date(2019, 2, 1, 9, 0, 5, 0, time.UTC) },
	}
	f.Add("X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=test-iam-credentials%40dummy-project-id.iam.gserviceaccount.com%2F20190201%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20190201T090000Z&X-Goog-Expires=10&X-Goog-SignedHeaders=host%3Bx-goog-content-length-range&X-Goog-Signature=95e6a13d&x-goog-content-length-range=0%2C10",
		"/test-bucket/test-object", "0,10")
	f.Add("X-Goog-Signature=&X-Goog-Signature=zz", "/%", "a,b")
	f.Add("a=%zz&b", "//", "")
	f.Add("X-Goog-Credential=a/b/c/d/e&X-Goog-Date=99999999T999999Z&X-Goog-Expires=00000000000000000001", "/b/%C3%A9", "9223372036854775807,9223372036854775807")
	f.Fuzz(func(t *testing.T, rawQuery, path, header string) {
		params, err := parseQuery(rawQuery)
		if err == nil {
			_, _ = parseSignedParams(params)
			_ = canonicalQueries(params)
		}
		_, _, _ = parseCredential(rawQuery, header)
		_, _ = parseLengthRange(header)
		_, _ = canonicalPath(path)
		_ = upstreamQuery(rawQuery)

		h := http.Header{"Content-Md5": {header}, "X-Goog-Content-Length-Range": {header}, "X-Goog-Content-Sha256": {header}}
		grant, err := verifier.VerifySignature(Request{Method: http.MethodPut, Host: "h:1", EscapedPath: path, RawQuery: rawQuery, Header: h})
		if err != nil {
			if ErrorCode(err) == "" {
				t.Fatalf("refusal without an XML code: %v", err)
			}
			return
		}
		_ = grant.CheckBody(int64(len(header)), nil, nil)
	})
}
