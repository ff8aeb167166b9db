package authn

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// A validator pointed at a local key set fetches nothing else: not the
// keys of ES256 tokens (IAP's), nor any other URL.
func TestLocalValidatorFetchesOnlyGoogleCerts(t *testing.T) {
	srv, fetches := newJWKSServer(t)
	v, err := NewValidator(context.Background(), srv.URL+"/jwks")
	require.NoError(t, err)
	_, err = v.Validate(context.Background(), mintRS256(t, serviceClaims()), functionURL)
	require.NoError(t, err)
	require.Equal(t, 1, *fetches)

	client := &http.Client{Transport: certsRedirect{jwks: nil}}
	for _, u := range []string{"https://www.gstatic.com/iap/verify/public_key-jwk", "https://example.com/", GoogleCertsURL + "?x=1"} {
		_, err := client.Get(u)
		require.ErrorIs(t, err, http.ErrNotSupported, u)
	}

	_, err = NewValidator(context.Background(), "http://[::1")
	require.Error(t, err)
}
