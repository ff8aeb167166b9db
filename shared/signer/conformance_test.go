package signer

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/signer/conformancetest"
)

// TestConformanceVectors signs every path-style vector of Google's V4
// conformance suite and expects the exact URL, signature included (RSA
// PKCS#1 v1.5 is deterministic).
func TestConformanceVectors(t *testing.T) {
	suite := conformancetest.Load(t)
	ran := 0
	for _, v := range suite.Vectors {
		if v.URLStyle != "" || v.BucketBoundHostname != "" || v.ClientEndpoint != "" ||
			v.EmulatorHostname != "" || v.UniverseDomain != "" || v.Scheme == "" {
			continue
		}
		ran++
		t.Run(v.Description, func(t *testing.T) {
			s, err := New(Options{
				GoogleAccessID: suite.Email,
				PrivateKey:     suite.PrivateKeyPEM,
				Hostname:       v.Hostname,
				Insecure:       v.Scheme == "http",
				Now:            func() time.Time { return v.Timestamp },
			})
			require.NoError(t, err)
			query := url.Values{}
			for k, val := range v.QueryParameters {
				query.Set(k, val)
			}
			got, expiresAt, err := s.signRequest(request{
				method:  v.Method,
				bucket:  v.Bucket,
				object:  v.Object,
				headers: v.Headers,
				query:   query,
				ttl:     time.Duration(v.Expiration) * time.Second,
			})
			require.NoError(t, err)
			require.Equal(t, v.ExpectedURL, got)
			require.Equal(t, v.Timestamp.Add(time.Duration(v.Expiration)*time.Second), expiresAt)
		})
	}
	require.GreaterOrEqual(t, ran, 15, "the vectors file changed shape: too few vectors ran")
}
