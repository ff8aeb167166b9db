package authn

import (
	"context"
	"testing"
	"time"

	"valet.dev/valet/shared/apperr"
)

// FuzzPeekAndVerify feeds arbitrary tokens to the unverified-claims peek and
// to a user verifier: no panic, and every refusal is Unauthenticated.
func FuzzPeekAndVerify(f *testing.F) {
	srv, _ := newJWKSServer(f)
	issuer := srv.URL + "/realm"
	v, err := NewUserVerifier(context.Background(), UserVerifierOptions{
		Issuers:    []IssuerConfig{{URL: issuer, Audiences: []string{testAudience}, JWKSURL: srv.URL + "/jwks"}},
		HTTPClient: srv.Client(),
		Now:        func() time.Time { return testNow },
	})
	if err != nil {
		f.Fatal(err)
	}
	claims := map[string]any{"iss": issuer, "sub": "alice", "aud": testAudience, "iat": testNow.Unix(), "exp": testNow.Add(time.Minute).Unix()}
	f.Add(mintRS256(f, claims))
	f.Add(unsignedToken(f, claims))
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, raw string) {
		_, _, _ = peekJWT(raw)
		_, err := v.Verify(context.Background(), raw)
		if err != nil && apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Fatalf("code %q, want unauthenticated: %v", apperr.CodeOf(err), err)
		}
	})
}
