package tokens

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apitoken"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
)

func TestCreateListRevoke(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	before := time.Now()

	c := e.token(alice, "ci", "objects:read", "jobs:write")
	require.True(t, strings.HasPrefix(c.Token, identity.APITokenPrefix))
	require.Len(t, c.Token, apitoken.TokenLen)
	require.Equal(t, "ci", c.Name)
	require.Equal(t, []string{"jobs:write", "objects:read"}, c.Scopes)
	require.WithinDuration(t, before.Add(time.Hour), c.ExpiresAt, 10*time.Second)

	// Default lifetime: 30 days, capped by MaxLifetime (30 days here).
	d := e.create(alice, map[string]any{"name": "default", "scopes": []string{"all"}})
	require.WithinDuration(t, before.Add(30*24*time.Hour), d.ExpiresAt, 10*time.Second)

	resp := e.Do(alice, http.MethodGet, "/tokens", nil)
	require.Equal(t, http.StatusOK, resp.Status)
	require.NotContains(t, string(resp.Body), c.Token, "a token is shown once")
	require.NotContains(t, string(resp.Body), d.Token)
	l := e.list(alice)
	require.Len(t, l.Tokens, 2)
	require.Equal(t, d.ID, l.Tokens[0].ID)
	require.Equal(t, c.ID, l.Tokens[1].ID)
	require.Equal(t, []string{"jobs:write", "objects:read"}, l.Tokens[1].Scopes)
	require.False(t, l.Tokens[1].Revoked)

	// The API token works as a credential, with its scopes: without
	// tokens:manage it sees only itself.
	tok := user{ID: alice.ID, Token: c.Token}
	require.Len(t, e.list(tok).Tokens, 1)

	resp = e.Do(alice, http.MethodDelete, "/tokens/"+string(c.ID), nil)
	require.Equal(t, http.StatusNoContent, resp.Status, "body: %s", resp.Body)
	require.Empty(t, resp.Body)
	e.Do(tok, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "revoked")
	l = e.list(alice)
	require.True(t, l.Tokens[1].Revoked)
	require.NotNil(t, l.Tokens[1].RevokedAt)
	// Revoking again is idempotent.
	require.Equal(t, http.StatusNoContent, e.Do(alice, http.MethodDelete, "/tokens/"+string(c.ID), nil).Status)
}

func TestTokenNeverStored(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	c := e.create(alice, map[string]any{"name": "ci", "scopes": []string{"jobs:read"}, "expiresInSeconds": 600})

	docs, err := e.client.Collection(valetfs.TokensCollection).Where("id", "==", string(c.ID)).Documents(context.Background()).GetAll()
	require.NoError(t, err)
	require.Len(t, docs, 1)
	raw := fmt.Sprintf("%#v %v", docs[0].Data(), docs[0].Ref.ID)
	secret := c.Token[len(c.Token)-apitoken.SecretLen:]
	secretBytes, err := base64.RawURLEncoding.DecodeString(secret)
	require.NoError(t, err)
	for _, form := range []string{
		c.Token, secret,
		base64.StdEncoding.EncodeToString([]byte(c.Token)), base64.RawURLEncoding.EncodeToString([]byte(c.Token)),
		hex.EncodeToString([]byte(c.Token)),
		base64.StdEncoding.EncodeToString(secretBytes), base64.RawStdEncoding.EncodeToString(secretBytes),
		hex.EncodeToString(secretBytes),
	} {
		require.NotContains(t, raw, form)
	}
	require.Equal(t, alice.ID, docs[0].Data()["owner"])
}

func TestVerifyRefusals(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	c := e.create(alice, map[string]any{"name": "ci", "scopes": []string{"jobs:read"}, "expiresInSeconds": 120})
	require.Equal(t, http.StatusOK, e.Do(user{Token: c.Token}, http.MethodGet, "/tokens", nil).Status)

	// Tampered: one character of the secret changed.
	last := c.Token[len(c.Token)-2]
	repl := byte('A')
	if last == 'A' {
		repl = 'B'
	}
	tampered := c.Token[:len(c.Token)-2] + string(repl) + c.Token[len(c.Token)-1:]
	e.Do(user{Token: tampered}, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "not valid")
	e.Do(user{Token: c.Token + "x"}, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "malformed")
	e.Do(user{}, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "missing credentials")

	// Expired.
	e.offset.Store(int64(121 * time.Second))
	e.Do(user{Token: c.Token}, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusUnauthorized, "unauthenticated", "expired")
}

func TestRevokeOtherUsersToken(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	c := e.create(alice, map[string]any{"name": "ci", "scopes": []string{"jobs:read"}, "expiresInSeconds": 600})

	e.Do(bob, http.MethodDelete, "/tokens/"+string(c.ID), nil).RequireError(t, http.StatusNotFound, "not_found", "not found")
	e.Do(alice, http.MethodDelete, "/tokens/t_nope", nil).RequireError(t, http.StatusNotFound, "not_found", "not found")
	require.Empty(t, e.list(bob).Tokens)
	require.Equal(t, http.StatusOK, e.Do(user{Token: c.Token}, http.MethodGet, "/tokens", nil).Status, "still valid")
}

func TestCreateBadInput(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	tests := []struct {
		name string
		body any
		want string
	}{
		{"unknown field", map[string]any{"name": "x", "scopes": []string{"all"}, "token": "mine"}, `unknown field "token"`},
		{"bad scope", map[string]any{"name": "x", "scopes": []string{"admin"}}, `unknown scope "admin"`},
		{"bad space", map[string]any{"name": "x", "scopes": []string{"jobs:read@galaxy/x"}}, "bad space"},
		{"no scopes", map[string]any{"name": "x", "scopes": []string{}}, "scopes are required"},
		{"lifetime over max", map[string]any{"name": "x", "scopes": []string{"all"}, "expiresInSeconds": 30*24*3600 + 1}, "at most 2592000 seconds"},
		{"huge lifetime", map[string]any{"name": "x", "scopes": []string{"all"}, "expiresInSeconds": int64(1) << 62}, "at most"},
		{"negative lifetime", map[string]any{"name": "x", "scopes": []string{"all"}, "expiresInSeconds": -5}, "at most"},
		{"short lifetime", map[string]any{"name": "x", "scopes": []string{"all"}, "expiresInSeconds": 59}, "at least 60 seconds"},
		{"empty name", map[string]any{"name": "", "scopes": []string{"all"}}, "name is required"},
		{"long name", map[string]any{"name": strings.Repeat("n", 101), "scopes": []string{"all"}}, "longer than 100"},
		{"control in name", map[string]any{"name": "a\tb", "scopes": []string{"all"}}, "name \"a\\tb\" holds control character U+0009"},
		{"right-to-left override in name", map[string]any{"name": "ci\u202egpj.exe", "scopes": []string{"all"}}, "name \"ci\\u202egpj.exe\" holds bidirectional control U+202E"},
		{"isolate in name", map[string]any{"name": "\u2066ci\u2069", "scopes": []string{"all"}}, "holds bidirectional control U+2066"},
		{"arabic letter mark in name", map[string]any{"name": "ci\u061c", "scopes": []string{"all"}}, "holds bidirectional control U+061C"},
		{"line separator in name", map[string]any{"name": "ci\u2028prod", "scopes": []string{"all"}}, "holds line separator U+2028"},
		{"wrong type", map[string]any{"name": "x", "scopes": "all"}, "scopes"},
		{"not JSON", "{", "JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.Do(alice, http.MethodPost, "/tokens", tc.body).RequireError(t, http.StatusBadRequest, "invalid_argument", tc.want)
		})
	}
	require.Empty(t, e.list(alice).Tokens)
}

func TestNarrowingOnly(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	narrow := e.create(alice, map[string]any{"name": "narrow", "scopes": []string{"jobs:write", "objects:read@projects/proj1"}, "expiresInSeconds": 600})
	tok := user{ID: alice.ID, Token: narrow.Token}

	for _, scopes := range [][]string{{"all"}, {"objects:read"}, {"objects:write@projects/proj1"}, {"objects:read@projects/proj2"}, {"jobs:read", "objects:write"}} {
		e.Do(tok, http.MethodPost, "/tokens", map[string]any{"name": "wider", "scopes": scopes, "expiresInSeconds": 600}).
			RequireError(t, http.StatusForbidden, "permission_denied", "only narrow")
	}
	c := e.create(tok, map[string]any{"name": "narrower", "scopes": []string{"jobs:read", "objects:read@projects/proj1"}, "expiresInSeconds": 600})
	require.Equal(t, []string{"jobs:read", "objects:read@projects/proj1"}, c.Scopes)
	// The new token belongs to the same user and works; without
	// tokens:manage it sees only itself.
	l := e.list(user{Token: c.Token})
	require.Len(t, l.Tokens, 1)
	require.Equal(t, c.ID, l.Tokens[0].ID)
	require.Len(t, e.list(alice).Tokens, 2)
}

func TestServicesAndUnconfigured(t *testing.T) {
	e := newEnv(t)
	svc := New(Options{Tokens: e.store, Authenticate: func(*http.Request) (identity.Principal, error) {
		return identity.Principal{Kind: identity.Service, ID: "d@x.iam.gserviceaccount.com", Scopes: identity.AllScopes}, nil
	}})
	srv := apitest.Serve(t, svc)
	user{Token: "x"}.Do(t, srv.URL, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusForbidden, "permission_denied", "users only")
	user{Token: "x"}.Do(t, srv.URL, http.MethodPost, "/tokens", map[string]any{"name": "x", "scopes": []string{"all"}}).
		RequireError(t, http.StatusForbidden, "permission_denied", "users only")

	bare := apitest.Serve(t, New(Options{}))
	user{}.Do(t, bare.URL, http.MethodGet, "/tokens", nil).RequireError(t, http.StatusServiceUnavailable, "unavailable", "not configured")
	require.Equal(t, http.StatusOK, user{}.Do(t, bare.URL, http.MethodGet, "/healthz", nil).Status)
	e.Do(user{}, http.MethodPut, "/tokens", nil).RequireError(t, http.StatusMethodNotAllowed, "method_not_allowed", "")
}

func TestJWKS(t *testing.T) {
	e := newEnv(t)
	resp := e.Do(user{}, http.MethodGet, JWKSPath, nil)
	require.Equal(t, http.StatusOK, resp.Status)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Equal(t, "public, max-age=300", resp.Header.Get("Cache-Control"))
	require.JSONEq(t, string(e.issuer.JWKS()), string(resp.Body))

	bare := apitest.Serve(t, New(Options{}))
	resp = user{}.Do(t, bare.URL, http.MethodGet, JWKSPath, nil)
	require.Equal(t, http.StatusOK, resp.Status)
	require.JSONEq(t, `{"keys":[]}`, string(resp.Body))

	failing := apitest.Serve(t, New(Options{JWKS: func(context.Context) ([]byte, error) { return nil, errors.New("kms down") }}))
	user{}.Do(t, failing.URL, http.MethodGet, JWKSPath, nil).RequireError(t, http.StatusServiceUnavailable, "unavailable", "JWKS")
}
