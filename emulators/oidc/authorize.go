package oidc

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"valet.dev/valet/shared/apperr"
)

// The authorization-code flow with PKCE (RFC 6749 section 4.1, RFC 7636),
// as a browser app such as the console runs it against Google or Keycloak:
// GET AuthorizePath shows a page to pick a dev user (where a real issuer
// would ask for a password), POST AuthorizePath redirects back with a
// one-time code, and POST TokenPath with a form body exchanges the code and
// its verifier for an ID token whose aud is the client id. Only S256
// challenges are accepted ("plain" would let whoever sees the code redeem
// it). Clients and their redirect URIs are registered (RegisterClient); a
// request for another client or redirect URI is answered with an error page,
// never a redirect (RFC 6749 section 4.1.2.1).

// AuthorizePath is the authorization endpoint.
const AuthorizePath = "/authorize"

// codeTTL is how long an authorization code may be redeemed.
const codeTTL = time.Minute

// DevUsers are the users the pick page offers; any other subject may be typed.
var DevUsers = []string{"alice", "bob", "carol"}

// pending is an issued, not yet redeemed authorization code.
type pending struct {
	clientID, redirectURI, challenge, nonce, sub string
	expires                                      time.Time
}

// codes holds the clients and the issued codes.
type codes struct {
	mu      sync.Mutex
	clients map[string][]string // client id → redirect URIs
	issued  map[string]pending
}

// RegisterClient allows clientID to run the flow with redirectURIs (exact
// matches). Registering again adds URIs.
func (i *Issuer) RegisterClient(clientID string, redirectURIs ...string) {
	i.codes.mu.Lock()
	defer i.codes.mu.Unlock()
	if i.codes.clients == nil {
		i.codes.clients = map[string][]string{}
	}
	i.codes.clients[clientID] = append(i.codes.clients[clientID], redirectURIs...)
}

func (c *codes) registered(clientID, redirectURI string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	uris := c.clients[clientID]
	return slices.Contains(uris, redirectURI) || slices.ContainsFunc(uris, func(u string) bool { return loopbackMatch(u, redirectURI) })
}

// loopbackMatch reports whether redirectURI is the registered loopback
// URI with any port: "The authorization server MUST allow any port to be
// specified at the time of the request for loopback IP redirect URIs, to
// accommodate clients that obtain an available ephemeral port from the
// operating system at the time of the request" (RFC 8252 section 7.3), as
// Google does for desktop apps ("OAuth 2.0 for Mobile & Desktop Apps",
// https://developers.google.com/identity/protocols/oauth2/native-app#redirect-uri_loopback:
// "http://127.0.0.1:port", any port). Register http://127.0.0.1/callback
// (no port) to allow it.
func loopbackMatch(registered, redirectURI string) bool {
	r, err1 := url.Parse(registered)
	u, err2 := url.Parse(redirectURI)
	if err1 != nil || err2 != nil || r.Scheme != "http" || u.Scheme != "http" || r.Port() != "" {
		return false
	}
	host := r.Hostname()
	return (host == "127.0.0.1" || host == "::1") && u.Hostname() == host &&
		u.Port() != "" && u.Path == r.Path && u.RawQuery == "" && u.Fragment == "" && u.User == nil
}

// webOrigin reports whether origin is the origin of a registered redirect
// URI: the apps whose browsers may read the token endpoint's answers.
func (c *codes) webOrigin(origin string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, uris := range c.clients {
		for _, u := range uris {
			if p, err := url.Parse(u); err == nil && p.Scheme+"://"+p.Host == origin {
				return true
			}
		}
	}
	return false
}

// authRequest is the query (GET) or form (POST) of the authorization endpoint.
type authRequest struct {
	ResponseType, ClientID, RedirectURI, Scope, State, Nonce, Challenge, Method string
}

func readAuthRequest(v url.Values) authRequest {
	return authRequest{
		ResponseType: v.Get("response_type"), ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"),
		Scope: v.Get("scope"), State: v.Get("state"), Nonce: v.Get("nonce"),
		Challenge: v.Get("code_challenge"), Method: v.Get("code_challenge_method"),
	}
}

// check returns the OAuth error of a request whose client and redirect URI
// are known (so it may be redirected back).
func (a authRequest) check() (code, description string) {
	switch {
	case a.ResponseType != "code":
		return "unsupported_response_type", "response_type must be code"
	case !slices.Contains(strings.Fields(a.Scope), "openid"):
		return "invalid_scope", "scope must include openid"
	case a.Method != "S256":
		return "invalid_request", "code_challenge_method must be S256"
	case !pkceValue(a.Challenge) || len(a.Challenge) != 43:
		return "invalid_request", "code_challenge must be the base64url SHA-256 of the verifier (43 characters)"
	case len(a.State) > 512 || len(a.Nonce) > 512:
		return "invalid_request", "state and nonce are at most 512 characters"
	}
	return "", ""
}

// pkceValue reports whether s is 43..128 unreserved characters (RFC 7636 section 4.1).
func pkceValue(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r)) {
			return false
		}
	}
	return true
}

func (i *Issuer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
		if err := r.ParseForm(); err != nil {
			writePage(w, http.StatusBadRequest, pageData{Error: "the form could not be read"})
			return
		}
	}
	v := r.URL.Query()
	if r.Method == http.MethodPost {
		v = r.PostForm
	}
	a := readAuthRequest(v)
	if !i.codes.registered(a.ClientID, a.RedirectURI) {
		writePage(w, http.StatusBadRequest, pageData{Error: "unknown client_id or redirect_uri: register the app's exact redirect URI with the dev issuer"})
		return
	}
	if code, desc := a.check(); code != "" {
		redirectBack(w, r, a, url.Values{"error": {code}, "error_description": {desc}})
		return
	}
	if r.Method != http.MethodPost {
		writePage(w, http.StatusOK, pageData{Request: a, Users: DevUsers})
		return
	}
	sub := strings.TrimSpace(v.Get("sub"))
	if err := checkClaim("sub", sub, true); err != nil {
		writePage(w, http.StatusBadRequest, pageData{Request: a, Users: DevUsers, Error: apperr.From(err).Message})
		return
	}
	code := randomCode()
	i.codes.mu.Lock()
	if i.codes.issued == nil {
		i.codes.issued = map[string]pending{}
	}
	now := i.now()
	for k, p := range i.codes.issued {
		if now.After(p.expires) {
			delete(i.codes.issued, k)
		}
	}
	i.codes.issued[code] = pending{clientID: a.ClientID, redirectURI: a.RedirectURI, challenge: a.Challenge,
		nonce: a.Nonce, sub: sub, expires: now.Add(codeTTL)}
	i.codes.mu.Unlock()
	redirectBack(w, r, a, url.Values{"code": {code}})
}

// redirectBack sends the browser to the client's redirect URI with params
// and the request's state.
func redirectBack(w http.ResponseWriter, r *http.Request, a authRequest, params url.Values) {
	u, _ := url.Parse(a.RedirectURI)
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	if a.State != "" {
		q.Set("state", a.State)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func randomCode() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CodeTokenResponse is the token endpoint's answer to a code exchange.
type CodeTokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	IDToken     string `json:"id_token"`
	Scope       string `json:"scope"`
}

// serveCodeExchange answers POST TokenPath with a form body: the
// authorization_code grant. Errors are RFC 6749 section 5.2 JSON.
func (i *Issuer) serveCodeExchange(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" && i.codes.webOrigin(origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
	}
	w.Header().Add("Vary", "Origin")
	w.Header().Set("Cache-Control", "no-store")
	r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, "invalid_request", "the form could not be read")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "authorization_code" {
		oauthError(w, "unsupported_grant_type", "grant_type must be authorization_code")
		return
	}
	code := f.Get("code")
	i.codes.mu.Lock()
	p, ok := i.codes.issued[code]
	delete(i.codes.issued, code) // one use, even when the exchange fails
	i.codes.mu.Unlock()
	verifier := f.Get("code_verifier")
	sum := sha256.Sum256([]byte(verifier))
	switch {
	case !ok || i.now().After(p.expires):
		oauthError(w, "invalid_grant", "the code is unknown, used or expired: sign in again")
		return
	case f.Get("client_id") != p.clientID || f.Get("redirect_uri") != p.redirectURI:
		oauthError(w, "invalid_grant", "client_id and redirect_uri must be those of the authorization request")
		return
	case !pkceValue(verifier) ||
		subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(p.challenge)) != 1:
		oauthError(w, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	c, err := i.claims(TokenRequest{Sub: p.sub, Email: p.sub + "@example.com", Aud: p.clientID})
	if err != nil {
		oauthError(w, "invalid_request", apperr.From(err).Message)
		return
	}
	c.Nonce = p.nonce
	token, err := i.sign(c)
	if err != nil {
		oauthError(w, "server_error", "the token could not be signed")
		return
	}
	writeJSON(w, http.StatusOK, CodeTokenResponse{AccessToken: randomCode(), TokenType: "Bearer",
		ExpiresIn: int(c.Expiry - c.IssuedAt), IDToken: token, Scope: "openid email"})
}

func oauthError(w http.ResponseWriter, code, description string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": description})
}

type pageData struct {
	Request authRequest
	Users   []string
	Error   string
}

// writePage renders the pick page: no script, no external resource, and a
// CSP that says so.
func writePage(w http.ResponseWriter, status int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pickPage.Execute(w, d)
}

var pickPage = template.Must(template.New("pick").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in — valet dev issuer</title>
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.4rem .9rem;margin:.2rem}.err{color:#a00}</style></head>
<body><main>
<h1>valet dev issuer</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
{{if .Request.ClientID}}
<p>Sign in to <strong>{{.Request.ClientID}}</strong> as a dev user. This issuer checks no password: it exists only on the local stack.</p>
<form method="post" action="">
{{template "hidden" .Request}}
<p>{{range .Users}}<button type="submit" name="sub" value="{{.}}" id="user-{{.}}">{{.}}</button>{{end}}</p>
</form>
<form method="post" action="">
{{template "hidden" .Request}}
<p><label for="sub">Another user</label> <input id="sub" name="sub" required maxlength="255" autocomplete="off"> <button type="submit">Sign in</button></p>
</form>
{{end}}
</main></body></html>
{{define "hidden"}}<input type="hidden" name="response_type" value="{{.ResponseType}}">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="scope" value="{{.Scope}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="nonce" value="{{.Nonce}}">
<input type="hidden" name="code_challenge" value="{{.Challenge}}">
<input type="hidden" name="code_challenge_method" value="{{.Method}}">{{end}}`))
