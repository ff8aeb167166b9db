package authn

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"valet.dev/valet/shared/identity"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

var testNow = time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)

const testAudience = "valet-cli"

// userFixture is a verifier for two issuers on one local JWKS server:
// issuer "/realm" with the default algorithms and "/rs-only" pinned to RS256.
type userFixture struct {
	verifier *UserVerifier
	issuer   string
	rsOnly   string
	fetches  *int
}

func newUserFixture(t *testing.T) userFixture {
	t.Helper()
	srv, fetches := newJWKSServer(t)
	f := userFixture{issuer: srv.URL + "/realm", rsOnly: srv.URL + "/rs-only", fetches: fetches}
	v, err := NewUserVerifier(context.Background(), UserVerifierOptions{
		Issuers: []IssuerConfig{
			{URL: f.issuer, Audiences: []string{"other-client", testAudience}, JWKSURL: srv.URL + "/jwks"},
			{URL: f.rsOnly, Audiences: []string{testAudience}, JWKSURL: srv.URL + "/jwks", Algorithms: []string{"RS256"}},
		},
		HTTPClient: srv.Client(),
		Now:        func() time.Time { return testNow },
	})
	require.NoError(t, err)
	f.verifier = v
	return f
}

func (f userFixture) claims() map[string]any {
	return map[string]any{
		"iss":            f.issuer,
		"sub":            "alice",
		"aud":            testAudience,
		"email":          "alice@example.com",
		"email_verified": true,
		"iat":            testNow.Add(-10 * time.Second).Unix(),
		"exp":            testNow.Add(5 * time.Minute).Unix(),
	}
}

func TestUserVerifierAccepts(t *testing.T) {
	f := newUserFixture(t)
	keys := sharedKeys()
	base := f.claims()
	secs := func(d time.Duration) int64 { return testNow.Add(d).Unix() }

	tests := []struct {
		name      string
		token     string
		wantEmail string
	}{
		{"RS256", mintRS256(t, base), "alice@example.com"},
		{"ES256", mint(t, jose.ES256, keys.ec, ecKID, base), "alice@example.com"},
		{"audience in an array", mintRS256(t, with(base, map[string]any{"aud": []string{"x", testAudience}})), "alice@example.com"},
		{"second configured audience", mintRS256(t, with(base, map[string]any{"aud": "other-client"})), "alice@example.com"},
		{"expired within leeway", mintRS256(t, with(base, map[string]any{"exp": secs(-20 * time.Second)})), "alice@example.com"},
		{"nbf within leeway", mintRS256(t, with(base, map[string]any{"nbf": secs(20 * time.Second)})), "alice@example.com"},
		{"iat within leeway", mintRS256(t, with(base, map[string]any{"iat": secs(20 * time.Second)})), "alice@example.com"},
		{"fractional times", mintRS256(t, with(base, map[string]any{"iat": float64(secs(0)) - 0.5, "exp": float64(secs(time.Minute)) + 0.25})), "alice@example.com"},
		{"email_verified false hides email", mintRS256(t, with(base, map[string]any{"email_verified": false})), ""},
		{"email_verified as string", mintRS256(t, with(base, map[string]any{"email_verified": "true"})), "alice@example.com"},
		{"email_verified absent keeps email", mintRS256(t, with(base, map[string]any{"email_verified": nil})), "alice@example.com"},
		{"no email", mintRS256(t, with(base, map[string]any{"email": nil})), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.verifier.Verify(context.Background(), tc.token)
			require.NoError(t, err)
			require.Equal(t, identity.Principal{
				Kind:   identity.User,
				ID:     identity.UserID(f.issuer, "alice"),
				Email:  tc.wantEmail,
				Scopes: identity.AllScopes,
			}, p)
		})
	}
}

func TestUserVerifierRejects(t *testing.T) {
	f := newUserFixture(t)
	keys := sharedKeys()
	base := f.claims()
	secs := func(d time.Duration) int64 { return testNow.Add(d).Unix() }

	pubDER, err := x509.MarshalPKIXPublicKey(keys.rsa.Public())
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pubJWK, err := json.Marshal(jose.JSONWebKey{Key: keys.rsa.Public(), KeyID: rsaKID})
	require.NoError(t, err)

	tests := []struct {
		name    string
		token   string
		wantMsg string
	}{
		{"bad signature (unpublished key, published kid)", mint(t, jose.RS256, keys.stranger, rsaKID, base), "could not be verified"},
		{"tampered claims", tamper(t, mintRS256(t, base), with(base, map[string]any{"sub": "root"})), "could not be verified"},
		{"unknown kid, unpublished key", mint(t, jose.RS256, keys.stranger, "rotated-away", base), "could not be verified"},
		{"unknown kid, published key", mint(t, jose.RS256, keys.rsa, "rotated-away", base), "could not be verified"},
		{"wrong issuer", mintRS256(t, with(base, map[string]any{"iss": "https://evil.example"})), "issuer is not accepted"},
		{"issuer differing by a trailing slash", mintRS256(t, with(base, map[string]any{"iss": f.issuer + "/"})), "issuer is not accepted"},
		{"no issuer", mintRS256(t, with(base, map[string]any{"iss": nil})), "issuer is not accepted"},
		{"wrong audience", mintRS256(t, with(base, map[string]any{"aud": "someone-else"})), "audience is not accepted"},
		{"no audience", mintRS256(t, with(base, map[string]any{"aud": nil})), "audience is not accepted"},
		{"expired", mintRS256(t, with(base, map[string]any{"exp": secs(-31 * time.Second)})), "expired"},
		{"no expiry", mintRS256(t, with(base, map[string]any{"exp": nil})), "no expiry"},
		{"nbf in the future", mintRS256(t, with(base, map[string]any{"nbf": secs(time.Minute)})), "not valid yet"},
		{"iat in the future", mintRS256(t, with(base, map[string]any{"iat": secs(time.Minute)})), "issued in the future"},
		{"no iat", mintRS256(t, with(base, map[string]any{"iat": nil})), "no issue time"},
		{"no subject", mintRS256(t, with(base, map[string]any{"sub": nil})), "no subject"},
		{"alg none", unsignedToken(t, base), "algorithm is not accepted"},
		{"HS256 keyed with the public key PEM", mint(t, jose.HS256, pubPEM, rsaKID, base), "algorithm is not accepted"},
		{"HS256 keyed with the public key DER", mint(t, jose.HS256, pubDER, rsaKID, base), "algorithm is not accepted"},
		{"HS256 keyed with the public JWK", mint(t, jose.HS256, pubJWK, rsaKID, base), "algorithm is not accepted"},
		{"ES256 at an RS256-only issuer", mint(t, jose.ES256, keys.ec, ecKID, with(base, map[string]any{"iss": f.rsOnly})), "algorithm is not accepted"},
		{"RS512 not pinned", mint(t, jose.RS512, keys.rsa, rsaKID, base), "algorithm is not accepted"},
		{"aud of the wrong type", mintRS256(t, with(base, map[string]any{"aud": 7})), "claims are not"},
		{"exp of the wrong type", mintRS256(t, with(base, map[string]any{"exp": "tomorrow"})), "claims are not"},
		{"exp out of range", mintRS256(t, with(base, map[string]any{"exp": 1e300})), "claims are not"},
		{"empty", "", "not a JWT"},
		{"one part", "abc", "not a JWT"},
		{"four parts", "a.b.c.d", "not a JWT"},
		{"not base64", "!!.??.**", "header is not"},
		{"not JSON", "YWJj.YWJj.YWJj", "header is not"},
		{"bad signature encoding", mintRS256(t, base) + "!", "signature is not"},
		{"too long", strings.Repeat("a", identity.MaxTokenBytes+1), "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.verifier.Verify(context.Background(), tc.token)
			requireUnauthenticated(t, err, tc.wantMsg, tc.token)
		})
	}
}

func TestUserVerifierCachesKeys(t *testing.T) {
	f := newUserFixture(t)
	for range 3 {
		_, err := f.verifier.Verify(context.Background(), mintRS256(t, f.claims()))
		require.NoError(t, err)
	}
	require.Equal(t, 1, *f.fetches)
}

func TestUserVerifierDiscovery(t *testing.T) {
	jwks := publicJWKS(t)
	var failDiscovery atomic.Bool
	failDiscovery.Store(true)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	issuer := srv.URL + "/realms/valet"
	mux.HandleFunc("/realms/valet/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		if failDiscovery.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                issuer,
			"jwks_uri":                              srv.URL + "/realms/valet/certs",
			"id_token_signing_alg_values_supported": []string{"RS256", "HS256", "none"},
		})
	})
	mux.HandleFunc("/realms/valet/certs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	})
	v, err := NewUserVerifier(context.Background(), UserVerifierOptions{
		Issuers:    []IssuerConfig{{URL: issuer, Audiences: []string{testAudience}}},
		HTTPClient: srv.Client(),
		Now:        func() time.Time { return testNow },
	})
	require.NoError(t, err)
	claims := map[string]any{"iss": issuer, "sub": "bob", "aud": testAudience, "iat": testNow.Unix(), "exp": testNow.Add(time.Minute).Unix()}
	token := mintRS256(t, claims)

	_, err = v.Verify(context.Background(), token)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "error: %v", err)

	failDiscovery.Store(false)
	p, err := v.Verify(context.Background(), token)
	require.NoError(t, err)
	require.Equal(t, identity.UserID(issuer, "bob"), p.ID)

	// The discovery document's algorithm list does not widen the pin.
	pubDER, err := x509.MarshalPKIXPublicKey(sharedKeys().rsa.Public())
	require.NoError(t, err)
	_, err = v.Verify(context.Background(), mint(t, jose.HS256, pubDER, rsaKID, claims))
	requireUnauthenticated(t, err, "algorithm is not accepted", "")
}

func TestUserVerifierGoogleIssuerAlias(t *testing.T) {
	srv, _ := newJWKSServer(t)
	v, err := NewUserVerifier(context.Background(), UserVerifierOptions{
		Issuers:    []IssuerConfig{{URL: GoogleIssuer, Audiences: []string{"client.apps.googleusercontent.com"}, JWKSURL: srv.URL + "/jwks"}},
		HTTPClient: srv.Client(),
		Now:        func() time.Time { return testNow },
	})
	require.NoError(t, err)
	for _, iss := range []string{"https://accounts.google.com", "accounts.google.com"} {
		p, err := v.Verify(context.Background(), mintRS256(t, map[string]any{
			"iss": iss, "sub": "1234567890", "aud": "client.apps.googleusercontent.com",
			"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
		}))
		require.NoError(t, err, iss)
		require.Equal(t, identity.UserID(GoogleIssuer, "1234567890"), p.ID, iss)
	}
}

func TestUserVerifierTwoIssuersSameSubject(t *testing.T) {
	f := newUserFixture(t)
	a, err := f.verifier.Verify(context.Background(), mintRS256(t, f.claims()))
	require.NoError(t, err)
	b, err := f.verifier.Verify(context.Background(), mintRS256(t, with(f.claims(), map[string]any{"iss": f.rsOnly})))
	require.NoError(t, err)
	require.NotEqual(t, a.ID, b.ID)
}

func TestNewUserVerifierRejectsBadConfig(t *testing.T) {
	ok := IssuerConfig{URL: "https://issuer.example", Audiences: []string{"a"}}
	tests := []struct {
		name    string
		opts    UserVerifierOptions
		wantErr string
	}{
		{"no issuers", UserVerifierOptions{}, "at least one issuer"},
		{"negative leeway", UserVerifierOptions{Issuers: []IssuerConfig{ok}, Leeway: -time.Second}, "leeway"},
		{"relative URL", UserVerifierOptions{Issuers: []IssuerConfig{{URL: "issuer", Audiences: []string{"a"}}}}, "absolute URL"},
		{"plain http off loopback", UserVerifierOptions{Issuers: []IssuerConfig{{URL: "http://issuer.example", Audiences: []string{"a"}}}}, "https"},
		{"plain http JWKS off loopback", UserVerifierOptions{Issuers: []IssuerConfig{{URL: ok.URL, Audiences: ok.Audiences, JWKSURL: "http://keys.example/jwks"}}}, "https"},
		{"no audience", UserVerifierOptions{Issuers: []IssuerConfig{{URL: ok.URL}}}, "audience"},
		{"empty audience", UserVerifierOptions{Issuers: []IssuerConfig{{URL: ok.URL, Audiences: []string{""}}}}, "audience"},
		{"HS256 pinned", UserVerifierOptions{Issuers: []IssuerConfig{{URL: ok.URL, Audiences: ok.Audiences, Algorithms: []string{"HS256"}}}}, "not allowed"},
		{"none pinned", UserVerifierOptions{Issuers: []IssuerConfig{{URL: ok.URL, Audiences: ok.Audiences, Algorithms: []string{"none"}}}}, "not allowed"},
		{"duplicate issuer", UserVerifierOptions{Issuers: []IssuerConfig{ok, ok}}, "twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewUserVerifier(context.Background(), tc.opts)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
	_, err := NewUserVerifier(context.Background(), UserVerifierOptions{Issuers: []IssuerConfig{ok, {URL: "http://127.0.0.1:5556/dev", Audiences: []string{"valet-dev"}}}})
	require.NoError(t, err)
}

func TestUserID(t *testing.T) {
	format := regexp.MustCompile(`^u[a-z2-7]{26}$`)
	a := identity.UserID("https://keycloak.example/realms/valet", "alice")
	require.Regexp(t, format, a)
	require.Equal(t, a, identity.UserID("https://keycloak.example/realms/valet", "alice"), "deterministic")
	require.NotEqual(t, a, identity.UserID(GoogleIssuer, "alice"), "same subject at another issuer")
	require.NotEqual(t, a, identity.UserID("https://keycloak.example/realms/valet", "alice2"))
	// Concatenation without the separator would make these collide.
	require.NotEqual(t, identity.UserID("https://a.example/x", "y"), identity.UserID("https://a.example/", "xy"))
	// A fixed vector (computed independently with Python hashlib/base64)
	// pins the format: changing it would orphan every user.
	require.Equal(t, "urwc4p533mxbosribglikggrfle", identity.UserID(GoogleIssuer, "42"))
	require.Regexp(t, format, identity.UserID("", ""))
}

// Where Google is a user issuer, a token counts as a user's only if it was
// issued to one of valet's OAuth clients (azp): a service account's ID
// token minted for the same audience carries the account's numeric id in
// azp and is refused, so it never becomes a new user.
func TestUserVerifierChecksAuthorizedParty(t *testing.T) {
	srv, _ := newJWKSServer(t)
	const client = "client.apps.googleusercontent.com"
	verifier := func(cfg IssuerConfig) *UserVerifier {
		cfg.JWKSURL = srv.URL + "/jwks"
		v, err := NewUserVerifier(context.Background(), UserVerifierOptions{
			Issuers: []IssuerConfig{cfg}, HTTPClient: srv.Client(), Now: func() time.Time { return testNow },
		})
		require.NoError(t, err)
		return v
	}
	token := func(iss string, extra map[string]any) string {
		return mintRS256(t, with(map[string]any{
			"iss": iss, "sub": "110169484474386276334", "aud": client,
			"iat": testNow.Unix(), "exp": testNow.Add(time.Hour).Unix(),
		}, extra))
	}
	serviceAccount := map[string]any{"sub": "104950328217376283916", "azp": "104950328217376283916",
		"email": "dispatcher@p.iam.gserviceaccount.com", "email_verified": true}

	google := verifier(IssuerConfig{URL: GoogleIssuer, Audiences: []string{client}})
	for name, extra := range map[string]map[string]any{
		"azp is the client": {"azp": client},
		"no azp":            {},
	} {
		_, err := google.Verify(context.Background(), token(GoogleIssuer, extra))
		require.NoError(t, err, name)
	}
	for name, extra := range map[string]map[string]any{
		"a service account's token for the same audience": serviceAccount,
		"another application's client":                    {"azp": "other.apps.googleusercontent.com"},
		"no azp and two audiences":                        {"aud": []string{client, "x"}},
	} {
		_, err := google.Verify(context.Background(), token(GoogleIssuer, extra))
		requireUnauthenticated(t, err, "was not issued to a client of valet", "")
		require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err), name)
	}

	// Configured client ids replace the default.
	both := verifier(IssuerConfig{URL: GoogleIssuer, Audiences: []string{client}, ClientIDs: []string{client, "android.apps.googleusercontent.com"}})
	_, err := both.Verify(context.Background(), token(GoogleIssuer, map[string]any{"azp": "android.apps.googleusercontent.com"}))
	require.NoError(t, err)
	_, err = both.Verify(context.Background(), token(GoogleIssuer, serviceAccount))
	require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))

	// Another issuer checks azp only when configured to.
	other := srv.URL + "/realm"
	_, err = verifier(IssuerConfig{URL: other, Audiences: []string{client}}).Verify(context.Background(), token(other, serviceAccount))
	require.NoError(t, err)
	_, err = verifier(IssuerConfig{URL: other, Audiences: []string{client}, ClientIDs: []string{client}}).Verify(context.Background(), token(other, serviceAccount))
	require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))

	_, err = NewUserVerifier(context.Background(), UserVerifierOptions{Issuers: []IssuerConfig{{URL: other, Audiences: []string{client}, ClientIDs: []string{""}}}})
	require.Error(t, err)
}
