package gate

import (
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/signer/conformancetest"
)

// vectorRequest is the request a client sends for the vector's URL, with
// body.
func vectorRequest(t *testing.T, v conformancetest.Vector, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(v.Method, v.ExpectedURL, strings.NewReader(body))
	require.NoError(t, err)
	for k, val := range v.Headers {
		r.Header.Set(k, val)
	}
	return r
}

// TestConformanceVectorsVerify runs every signingV4Tests vector Google ships
// with the storage module through the verifier, at the vector's timestamp.
func TestConformanceVectorsVerify(t *testing.T) {
	suite := conformancetest.Load(t)
	email, key, vectors := suite.Email, suite.PublicKey(t), suite.Vectors
	verified := 0
	for _, v := range vectors {
		t.Run(v.Description, func(t *testing.T) {
			at := v.Timestamp
			verifier := &Verifier{Keys: map[string]*rsa.PublicKey{email: key}, Now: func() time.Time { return at }}
			req := RequestOf(vectorRequest(t, v, ""))

			grant, err := verifier.VerifySignature(req)
			require.NoError(t, err)
			require.Equal(t, email, grant.Email)
			require.Equal(t, at.Add(time.Duration(v.Expiration)*time.Second), grant.ExpiresAt)
			verified++

			// The same URL one second before expiry passes, at expiry it is refused.
			at = v.Timestamp.Add(time.Duration(v.Expiration)*time.Second - time.Second)
			_, err = verifier.VerifySignature(req)
			require.NoError(t, err)
			at = v.Timestamp.Add(time.Duration(v.Expiration) * time.Second)
			_, err = verifier.VerifySignature(req)
			require.Equal(t, CodeExpiredToken, ErrorCode(err))

			// Another method does not verify, and the error names the signed one.
			at = v.Timestamp
			other := req
			other.Method = http.MethodDelete
			_, err = verifier.VerifySignature(other)
			require.Equal(t, CodeSignatureDoesNotMatch, ErrorCode(err))
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Contains(t, e.Details, "signed for "+v.Method)

			// The signed-payload vector signs x-goog-content-sha256
			// 2cf2...938b982, the SHA-256 of "hello" missing its last digit:
			// the signature verifies, the body "hello" does not.
			if _, ok := v.Headers["X-Goog-Content-SHA256"]; ok {
				r := vectorRequest(t, v, "hello")
				require.Equal(t, CodeBadDigest, ErrorCode(verifier.Verify(r, []byte("hello"))))
			}
		})
	}
	t.Logf("%d of %d V4 conformance vectors verified", verified, len(vectors))
	require.Equal(t, len(vectors), verified)
}
