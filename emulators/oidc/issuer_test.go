package oidc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/idtoken"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/authn"
)

const userAudience = "valet-users"

// start serves a new issuer on an httptest server whose URL is the issuer URL.
func start(t *testing.T, opts oidc.Options) (*oidc.Issuer, *httptest.Server) {
	t.Helper()
	iss, err := oidc.New(opts)
	require.NoError(t, err)
	srv := httptest.NewServer(iss)
	t.Cleanup(srv.Close)
	iss.SetIssuer(srv.URL)
	return iss, srv
}

// mint asks the issuer's token endpoint for a token.
func mint(t *testing.T, srv *httptest.Server, body string) string {
	t.Helper()
	res, err := http.Post(srv.URL+oidc.TokenPath, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	var tr oidc.TokenResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&tr))
	require.NotEmpty(t, tr.IDToken)
	return tr.IDToken
}

func getJSON(t *testing.T, u string, v any) http.Header {
	t.Helper()
	res, err := http.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	require.NoError(t, json.NewDecoder(res.Body).Decode(v))
	return res.Header
}

func TestDiscovery(t *testing.T) {
	iss, srv := start(t, oidc.Options{DefaultAudience: userAudience})

	var doc map[string]any
	getJSON(t, srv.URL+oidc.DiscoveryPath, &doc)
	require.Equal(t, srv.URL, doc["issuer"])
	require.Equal(t, srv.URL+"/jwks", doc["jwks_uri"])
	require.Equal(t, srv.URL+"/token", doc["token_endpoint"])
	require.Equal(t, []any{"RS256"}, doc["id_token_signing_alg_values_supported"])
	require.Equal(t, []any{"code", "id_token"}, doc["response_types_supported"])
	require.Equal(t, srv.URL+"/authorize", doc["authorization_endpoint"])
	require.Equal(t, []any{"S256"}, doc["code_challenge_methods_supported"])
	require.Equal(t, []any{"public"}, doc["subject_types_supported"])

	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	header := getJSON(t, srv.URL+oidc.JWKSPath, &set)
	require.Contains(t, header.Get("Cache-Control"), "max-age=")
	require.Len(t, set.Keys, 1)
	key := set.Keys[0]
	require.Equal(t, "RSA", key["kty"])
	require.Equal(t, "RS256", key["alg"])
	require.Equal(t, "sig", key["use"])
	require.Equal(t, iss.KeyID(), key["kid"])
	require.NotEmpty(t, key["n"])
	require.Equal(t, "AQAB", key["e"])
	require.NotContains(t, key, "d", "the private exponent must never be published")
	require.JSONEq(t, string(iss.JWKS()), mustJSON(t, set))
	require.Len(t, iss.PublicKeys().Keys, 1)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestTokenVerifiesWithGoOIDC(t *testing.T) {
	_, srv := start(t, oidc.Options{DefaultAudience: userAudience})
	ctx := context.Background()
	provider, err := gooidc.NewProvider(ctx, srv.URL)
	require.NoError(t, err)
	verifier := provider.Verifier(&gooidc.Config{ClientID: userAudience})

	raw := mint(t, srv, `{"sub":"alice","email":"alice@example.com","ttlSeconds":600}`)
	tok, err := verifier.Verify(ctx, raw)
	require.NoError(t, err)
	require.Equal(t, srv.URL, tok.Issuer)
	require.Equal(t, oidc.AccountID("alice"), tok.Subject)
	require.Regexp(t, `^[0-9]{21}$`, tok.Subject, "Google's sub is a number")
	require.Equal(t, []string{userAudience}, tok.Audience)
	require.Equal(t, 600*time.Second, tok.Expiry.Sub(tok.IssuedAt))

	var claims oidc.Claims
	require.NoError(t, tok.Claims(&claims))
	require.Equal(t, "alice@example.com", claims.Email)
	require.True(t, claims.EmailVerified)
	require.Equal(t, userAudience, claims.AuthorizedParty)

	// A token for another audience is refused by this verifier.
	other := mint(t, srv, `{"sub":"alice","aud":"someone-else"}`)
	_, err = verifier.Verify(ctx, other)
	require.Error(t, err)

	// Without an email there is no email_verified claim.
	var bare map[string]any
	tok, err = verifier.Verify(ctx, mint(t, srv, `{"sub":"bob"}`))
	require.NoError(t, err)
	require.NoError(t, tok.Claims(&bare))
	require.NotContains(t, bare, "email")
	require.NotContains(t, bare, "email_verified")
	require.NotContains(t, bare, "nbf")
}

func TestExpiredTokenIsRefused(t *testing.T) {
	past := time.Now().Add(-3 * time.Hour)
	_, srv := start(t, oidc.Options{DefaultAudience: userAudience, Now: func() time.Time { return past }})
	ctx := context.Background()
	provider, err := gooidc.NewProvider(ctx, srv.URL)
	require.NoError(t, err)
	_, err = provider.Verifier(&gooidc.Config{ClientID: userAudience}).Verify(ctx, mint(t, srv, `{"sub":"alice"}`))
	var expired *gooidc.TokenExpiredError
	require.ErrorAs(t, err, &expired)
}

func TestTokenVerifiesWithIDToken(t *testing.T) {
	_, srv := start(t, oidc.Options{DefaultAudience: userAudience})
	ctx := context.Background()
	validator, err := authn.NewValidator(ctx, srv.URL+oidc.JWKSPath)
	require.NoError(t, err)

	const fn = "https://dispatch.example.run.app"
	raw := mint(t, srv, fmt.Sprintf(`{"sub":"1234","email":"dispatcher@p.iam.gserviceaccount.com","aud":%q}`, fn))
	payload, err := validator.Validate(ctx, raw, fn)
	require.NoError(t, err)
	require.Equal(t, srv.URL, payload.Issuer)
	require.Equal(t, "1234", payload.Subject, "a numeric sub is kept")
	require.Equal(t, "1234", payload.Claims["azp"], "a service account is its own authorized party")
	require.Equal(t, fn, payload.Audience)
	require.Equal(t, "dispatcher@p.iam.gserviceaccount.com", payload.Claims["email"])
	require.Equal(t, true, payload.Claims["email_verified"])

	_, err = validator.Validate(ctx, raw, userAudience)
	require.Error(t, err, "wrong audience")

	// A token whose payload was swapped fails the signature check.
	parts := strings.Split(raw, ".")
	forged := strings.Split(mint(t, srv, fmt.Sprintf(`{"sub":"root","aud":%q}`, fn)), ".")
	_, err = validator.Validate(ctx, parts[0]+"."+forged[1]+"."+parts[2], fn)
	require.Error(t, err)
}

func TestTTL(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	tests := []struct {
		name   string
		maxTTL time.Duration
		ttl    int
		want   time.Duration
	}{
		{"default", 0, 0, time.Hour},
		{"default capped by max", 30 * time.Minute, 0, 30 * time.Minute},
		{"explicit", 0, 90, 90 * time.Second},
		{"max", 0, 3600, time.Hour},
		{"configured max", 24 * time.Hour, 86400, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := oidc.New(oidc.Options{Issuer: "http://127.0.0.1:1/", DefaultAudience: userAudience, MaxTTL: tt.maxTTL, Now: clock})
			require.NoError(t, err)
			raw, err := iss.Mint(oidc.TokenRequest{Sub: "s", TTLSeconds: tt.ttl})
			require.NoError(t, err)
			p, err := idtoken.ParsePayload(raw)
			require.NoError(t, err)
			require.Equal(t, "http://127.0.0.1:1", p.Issuer, "trailing slash dropped")
			require.Equal(t, now.Unix(), p.IssuedAt)
			require.Equal(t, now.Add(tt.want).Unix(), p.Expires)
		})
	}
}

func TestMintBeforeIssuerIsSet(t *testing.T) {
	iss, err := oidc.New(oidc.Options{DefaultAudience: userAudience})
	require.NoError(t, err)
	_, err = iss.Mint(oidc.TokenRequest{Sub: "s"})
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))

	res := httptest.NewRecorder()
	iss.ServeHTTP(res, httptest.NewRequest(http.MethodGet, oidc.DiscoveryPath, nil))
	require.Equal(t, http.StatusServiceUnavailable, res.Code)
}

func TestBadRequests(t *testing.T) {
	_, srv := start(t, oidc.Options{DefaultAudience: userAudience, MaxTTL: time.Hour})
	_, noAudience := start(t, oidc.Options{})
	tests := []struct {
		name   string
		srv    *httptest.Server
		method string
		path   string
		body   string
		status int
		code   apperr.Code
	}{
		{"unknown field", srv, "POST", "/token", `{"sub":"a","admin":true}`, 400, apperr.Invalid},
		{"missing sub", srv, "POST", "/token", `{"email":"a@b.c"}`, 400, apperr.Invalid},
		{"empty body", srv, "POST", "/token", ``, 400, apperr.Invalid},
		{"not json", srv, "POST", "/token", `sub=a`, 400, apperr.Invalid},
		{"array", srv, "POST", "/token", `[{"sub":"a"}]`, 400, apperr.Invalid},
		{"two objects", srv, "POST", "/token", `{"sub":"a"}{"sub":"b"}`, 400, apperr.Invalid},
		{"sub wrong type", srv, "POST", "/token", `{"sub":1}`, 400, apperr.Invalid},
		{"negative ttl", srv, "POST", "/token", `{"sub":"a","ttlSeconds":-1}`, 400, apperr.Invalid},
		{"ttl over max", srv, "POST", "/token", `{"sub":"a","ttlSeconds":3601}`, 400, apperr.Invalid},
		{"huge ttl", srv, "POST", "/token", `{"sub":"a","ttlSeconds":99999999999999999999}`, 400, apperr.Invalid},
		{"email not an address", srv, "POST", "/token", `{"sub":"a","email":"alice"}`, 400, apperr.Invalid},
		{"control character", srv, "POST", "/token", `{"sub":"a\nb"}`, 400, apperr.Invalid},
		{"sub too long", srv, "POST", "/token", `{"sub":"` + strings.Repeat("a", 256) + `"}`, 400, apperr.Invalid},
		{"body too large", srv, "POST", "/token", `{"sub":"` + strings.Repeat("a", 20<<10) + `"}`, 413, apperr.TooLarge},
		{"no audience anywhere", noAudience, "POST", "/token", `{"sub":"a"}`, 400, apperr.Invalid},
		{"GET token", srv, "GET", "/token", ``, 405, apperr.MethodNotAllowed},
		{"POST jwks", srv, "POST", "/jwks", `{}`, 405, apperr.MethodNotAllowed},
		{"unknown path", srv, "GET", "/userinfo", ``, 404, apperr.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.srv.URL+tt.path, strings.NewReader(tt.body))
			require.NoError(t, err)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer res.Body.Close()
			require.Equal(t, tt.status, res.StatusCode)
			require.Equal(t, "application/json", res.Header.Get("Content-Type"))
			b, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			var body struct {
				Error struct {
					Code    apperr.Code `json:"code"`
					Message string      `json:"message"`
				} `json:"error"`
			}
			require.NoError(t, json.Unmarshal(b, &body), string(b))
			require.Equal(t, tt.code, body.Error.Code)
			require.NotEmpty(t, body.Error.Message)
		})
	}
}

// Tokens are shaped like Google's: a numeric sub, the same for the same
// account; azp the client for users and the account for service
// accounts; email only when asked for; at most one hour.
func TestTokensAreShapedLikeGoogles(t *testing.T) {
	iss, err := oidc.New(oidc.Options{Issuer: "http://127.0.0.1:1", DefaultAudience: userAudience})
	require.NoError(t, err)
	claims := func(req oidc.TokenRequest) map[string]any {
		t.Helper()
		raw, err := iss.Mint(req)
		require.NoError(t, err)
		p, err := idtoken.ParsePayload(raw)
		require.NoError(t, err)
		p.Claims["sub"] = p.Subject
		return p.Claims
	}
	const sa = "dispatcher@p.iam.gserviceaccount.com"
	const fn = "https://dispatch.example.run.app"

	user := claims(oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"})
	require.Regexp(t, `^[0-9]{21}$`, user["sub"])
	require.Equal(t, user["sub"], claims(oidc.TokenRequest{Sub: "alice"})["sub"], "one account, one id")
	require.NotEqual(t, user["sub"], claims(oidc.TokenRequest{Sub: "bob"})["sub"])
	require.Equal(t, userAudience, user["azp"], "a user's token is authorized for the client it was issued to")
	require.Equal(t, "alice@example.com", user["email"])

	plain := claims(oidc.TokenRequest{Sub: sa, Aud: fn})
	require.NotContains(t, plain, "email", "a service account's token has no email unless asked (format=full, includeEmail)")
	require.NotContains(t, plain, "email_verified")
	require.Equal(t, plain["sub"], plain["azp"], "a service account is its own authorized party")
	require.Equal(t, oidc.AccountID(sa), plain["sub"])

	full := claims(oidc.TokenRequest{Sub: sa, Email: sa, Aud: fn})
	require.Equal(t, sa, full["email"])
	require.Equal(t, true, full["email_verified"])
	require.Equal(t, full["sub"], full["azp"])

	// A service account's token minted for the users' audience is still
	// the service account's: its azp is not the client.
	forUsers := claims(oidc.TokenRequest{Sub: sa, Email: sa})
	require.Equal(t, userAudience, forUsers["aud"])
	require.NotEqual(t, userAudience, forUsers["azp"])

	require.Equal(t, "other-client", claims(oidc.TokenRequest{Sub: "alice", Azp: "other-client"})["azp"])
	_, err = iss.Mint(oidc.TokenRequest{Sub: "alice", TTLSeconds: 3601})
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "Google's ID tokens last at most an hour")
}

func TestAccountID(t *testing.T) {
	require.Equal(t, "117", oidc.AccountID("117"))
	require.Equal(t, oidc.AccountID("alice"), oidc.AccountID("alice"))
	for _, name := range []string{"alice", "a@b.c", "x", "-1", "１２"} {
		require.Regexp(t, `^1[0-9]{20}$`, oidc.AccountID(name), name)
	}
}
