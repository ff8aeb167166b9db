package oidc_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
)

const (
	clientID    = "console-client"
	redirectURI = "http://127.0.0.1:9999/"
	verifier    = "a-verifier-of-at-least-43-characters-abcdefghijklmnop"
)

func challenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func authParams() url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirectURI},
		"scope": {"openid email"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"},
	}
}

// authorize picks sub on the page and returns the redirect's query.
func authorize(t *testing.T, srv string, params url.Values, sub string) url.Values {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("sub", sub)
	res, err := noRedirect.PostForm(srv+oidc.AuthorizePath, form)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, strings.TrimSuffix(redirectURI, "/"), loc.Scheme+"://"+loc.Host)
	return loc.Query()
}

func exchange(t *testing.T, srv string, form url.Values) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv+oidc.TokenPath, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://127.0.0.1:9999")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	return res.StatusCode, body, res.Header
}

func codeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {clientID},
		"redirect_uri": {redirectURI}, "code_verifier": {verifier}}
}

// TestAuthorizationCodeWithPKCE runs the flow a browser app runs: the pick
// page, the redirect with code and state, the exchange with the verifier;
// the ID token verifies with go-oidc for the client id and carries the
// nonce. A code is redeemed once.
func TestAuthorizationCodeWithPKCE(t *testing.T) {
	iss, srv := start(t, oidc.Options{DefaultAudience: userAudience})
	iss.RegisterClient(clientID, redirectURI)

	res, err := http.Get(srv.URL + oidc.AuthorizePath + "?" + authParams().Encode())
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(page), `<title>Sign in — valet dev issuer</title>`)
	require.Contains(t, string(page), `value="alice"`)
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
	require.NotContains(t, string(page), "<script")

	q := authorize(t, srv.URL, authParams(), "alice")
	require.Equal(t, "st-1", q.Get("state"))
	code := q.Get("code")
	require.NotEmpty(t, code)

	status, body, header := exchange(t, srv.URL, codeForm(code))
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "http://127.0.0.1:9999", header.Get("Access-Control-Allow-Origin"), "the app's browser reads the answer")
	require.Equal(t, "no-store", header.Get("Cache-Control"))
	require.Equal(t, "Bearer", body["token_type"])
	provider, err := gooidc.NewProvider(t.Context(), srv.URL)
	require.NoError(t, err)
	tok, err := provider.Verifier(&gooidc.Config{ClientID: clientID}).Verify(t.Context(), body["id_token"].(string))
	require.NoError(t, err)
	require.Equal(t, oidc.AccountID("alice"), tok.Subject, "the dev user's numeric id")
	require.Equal(t, "n-1", tok.Nonce)

	status, body, _ = exchange(t, srv.URL, codeForm(code))
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "invalid_grant", body["error"], "a code is redeemed once")
}

func TestCodeExchangeRefusals(t *testing.T) {
	iss, srv := start(t, oidc.Options{DefaultAudience: userAudience})
	iss.RegisterClient(clientID, redirectURI)
	for name, change := range map[string]func(url.Values){
		"wrong verifier":     func(f url.Values) { f.Set("code_verifier", strings.Repeat("b", 43)) },
		"short verifier":     func(f url.Values) { f.Set("code_verifier", "abc") },
		"no verifier":        func(f url.Values) { f.Del("code_verifier") },
		"the challenge":      func(f url.Values) { f.Set("code_verifier", challenge(verifier)) },
		"other client":       func(f url.Values) { f.Set("client_id", "other") },
		"other redirect":     func(f url.Values) { f.Set("redirect_uri", "http://127.0.0.1:9999/x") },
		"unknown code":       func(f url.Values) { f.Set("code", "nope") },
		"other grant":        func(f url.Values) { f.Set("grant_type", "password") },
		"refresh token used": func(f url.Values) { f.Set("grant_type", "refresh_token") },
	} {
		t.Run(name, func(t *testing.T) {
			f := codeForm(authorize(t, srv.URL, authParams(), "bob").Get("code"))
			change(f)
			status, body, header := exchange(t, srv.URL, f)
			require.Equal(t, http.StatusBadRequest, status, body)
			require.NotEmpty(t, body["error"])
			require.NotContains(t, body, "id_token")
			require.Equal(t, "no-store", header.Get("Cache-Control"))
		})
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	iss, srv := start(t, oidc.Options{DefaultAudience: userAudience})
	iss.RegisterClient(clientID, redirectURI)
	// An unknown client or redirect URI gets an error page, never a redirect.
	for name, change := range map[string]func(url.Values){
		"unknown client":   func(v url.Values) { v.Set("client_id", "evil") },
		"foreign redirect": func(v url.Values) { v.Set("redirect_uri", "https://evil.example/") },
		"prefix redirect":  func(v url.Values) { v.Set("redirect_uri", redirectURI+"evil") },
	} {
		t.Run(name, func(t *testing.T) {
			v := authParams()
			change(v)
			res, err := noRedirect.Get(srv.URL + oidc.AuthorizePath + "?" + v.Encode())
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusBadRequest, res.StatusCode)
			require.Empty(t, res.Header.Get("Location"))
		})
	}
	// A known client with a bad request is sent back with an OAuth error.
	for name, tc := range map[string]struct {
		change func(url.Values)
		want   string
	}{
		"plain challenge":  {func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		"no challenge":     {func(v url.Values) { v.Del("code_challenge") }, "invalid_request"},
		"implicit flow":    {func(v url.Values) { v.Set("response_type", "id_token") }, "unsupported_response_type"},
		"no openid scope":  {func(v url.Values) { v.Set("scope", "email") }, "invalid_scope"},
		"short challenge":  {func(v url.Values) { v.Set("code_challenge", "abc") }, "invalid_request"},
		"bad chars":        {func(v url.Values) { v.Set("code_challenge", strings.Repeat("=", 43)) }, "invalid_request"},
		"missing response": {func(v url.Values) { v.Del("response_type") }, "unsupported_response_type"},
	} {
		t.Run(name, func(t *testing.T) {
			v := authParams()
			tc.change(v)
			res, err := noRedirect.Get(srv.URL + oidc.AuthorizePath + "?" + v.Encode())
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, http.StatusSeeOther, res.StatusCode)
			loc, err := url.Parse(res.Header.Get("Location"))
			require.NoError(t, err)
			require.Equal(t, tc.want, loc.Query().Get("error"))
			require.Equal(t, "st-1", loc.Query().Get("state"))
			require.Empty(t, loc.Query().Get("code"))
		})
	}
	// A bad subject stays on the page.
	form := authParams()
	form.Set("sub", "")
	res, err := noRedirect.PostForm(srv.URL+oidc.AuthorizePath, form)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	// The token endpoint answers no other origin's browser.
	f := codeForm(authorize(t, srv.URL, authParams(), "carol").Get("code"))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+oidc.TokenPath, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))
}

// TestLoopbackRedirectOnAnyPort: a client registered with a loopback
// redirect without a port (a CLI) may use any port (RFC 8252 section 7.3),
// but only that host, scheme and path; a client registered with a port
// keeps the exact match.
func TestLoopbackRedirectOnAnyPort(t *testing.T) {
	iss, srv := start(t, oidc.Options{DefaultAudience: userAudience})
	iss.RegisterClient("cli", "http://127.0.0.1/callback")
	for uri, ok := range map[string]bool{
		"http://127.0.0.1:53127/callback":   true,
		"http://127.0.0.1:1/callback":       true,
		"http://127.0.0.1/callback":         true,
		"http://127.0.0.1:53127/other":      false,
		"http://127.0.0.1:53127/callback?x": false,
		"https://127.0.0.1:53127/callback":  false,
		"http://localhost:53127/callback":   false,
		"http://evil.example:80/callback":   false,
		"http://127.0.0.1.evil/callback":    false,
	} {
		p := authParams()
		p.Set("client_id", "cli")
		p.Set("redirect_uri", uri)
		res, err := http.Get(srv.URL + oidc.AuthorizePath + "?" + p.Encode())
		require.NoError(t, err)
		res.Body.Close()
		if ok {
			require.Equal(t, http.StatusOK, res.StatusCode, uri)
		} else {
			require.Equal(t, http.StatusBadRequest, res.StatusCode, uri)
		}
	}
	// The console's client (registered with a port) still matches exactly.
	p := authParams()
	p.Set("redirect_uri", "http://127.0.0.1:9998/callback")
	iss.RegisterClient(clientID, redirectURI)
	res, err := http.Get(srv.URL + oidc.AuthorizePath + "?" + p.Encode())
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
}
