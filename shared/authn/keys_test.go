package authn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

// testKeys are the signing keys the tests' JWKS servers publish, plus an
// unpublished one. Generated once: RSA key generation is slow under -race.
type testKeys struct {
	rsa      *rsa.PrivateKey // kid "rsa1", published
	ec       *ecdsa.PrivateKey
	stranger *rsa.PrivateKey // never published
}

var sharedKeys = sync.OnceValue(func() testKeys {
	gen := func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return testKeys{rsa: gen(), ec: ec, stranger: gen()}
})

const (
	rsaKID = "rsa1"
	ecKID  = "ec1"
)

// publicJWKS is the JSON Web Key Set of the published keys.
func publicJWKS(t testing.TB) []byte {
	t.Helper()
	k := sharedKeys()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: k.rsa.Public(), KeyID: rsaKID, Algorithm: "RS256", Use: "sig"},
		{Key: k.ec.Public(), KeyID: ecKID, Algorithm: "ES256", Use: "sig"},
	}}
	b, err := json.Marshal(set)
	require.NoError(t, err)
	return b
}

// newJWKSServer serves publicJWKS at /jwks and counts the fetches.
func newJWKSServer(t testing.TB) (*httptest.Server, *int) {
	t.Helper()
	jwks := publicJWKS(t)
	var mu sync.Mutex
	fetches := 0
	mux := http.NewServeMux()
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fetches++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &fetches
}

// mint signs claims as a compact JWS with key under alg and kid.
func mint(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	signingKey := jose.SigningKey{Algorithm: alg, Key: key}
	if kid != "" {
		signingKey.Key = jose.JSONWebKey{Key: key, KeyID: kid}
	}
	signer, err := jose.NewSigner(signingKey, opts)
	require.NoError(t, err)
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := signer.Sign(payload)
	require.NoError(t, err)
	raw, err := jws.CompactSerialize()
	require.NoError(t, err)
	return raw
}

// mintRS256 signs with the published RSA key.
func mintRS256(t testing.TB, claims map[string]any) string {
	return mint(t, jose.RS256, sharedKeys().rsa, rsaKID, claims)
}

// unsignedToken builds an "alg: none" token by hand (go-jose refuses to).
func unsignedToken(t testing.TB, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "none", "typ": "JWT", "kid": rsaKID}) + "." + enc(claims) + "."
}

// tamper replaces the token's claims with others, keeping header and
// signature.
func tamper(t testing.TB, raw string, claims map[string]any) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	require.Len(t, parts, 3)
	b, err := json.Marshal(claims)
	require.NoError(t, err)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// with returns a copy of base with the changes applied; a nil value deletes
// the claim.
func with(base map[string]any, changes map[string]any) map[string]any {
	out := make(map[string]any, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range changes {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// requireUnauthenticated checks err is an *apperr.Error with code
// Unauthenticated, a message containing wantMsg, and no trace of the token.
func requireUnauthenticated(t *testing.T, err error, wantMsg, rawToken string) {
	t.Helper()
	require.Error(t, err)
	var ae *apperr.Error
	require.ErrorAs(t, err, &ae)
	require.Equal(t, apperr.Unauthenticated, ae.Code, "error: %v", err)
	require.Contains(t, ae.Message, wantMsg)
	if len(rawToken) > 20 {
		require.NotContains(t, err.Error(), rawToken)
		// The signature alone must not leak either.
		if i := strings.LastIndexByte(rawToken, '.'); i >= 0 && len(rawToken)-i > 10 {
			require.NotContains(t, err.Error(), rawToken[i+1:])
		}
	}
}
