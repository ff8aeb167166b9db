package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"valet.dev/valet/shared/client"
)

func loginCommands() []*command {
	return []*command{{
		name:    "login",
		args:    []arg{{name: "SUB", desc: "with --dev: the dev user to mint a token for (the stack's issuer checks no password)", optional: true}},
		summary: "log in: store a credential for the profile",
		about: `Without flags, valet login runs the OpenID Connect authorization-code flow
with PKCE against the profile's issuer: it opens a browser (or prints the
URL), receives the answer on a loopback redirect http://127.0.0.1:PORT/callback
(RFC 8252) and stores the ID token, and the refresh token when the issuer
gives one, in <config dir>/credentials/<profile>.json with mode 0600. An
expired token is refreshed before a command uses it.

--token TOKEN (or --token - to read it from stdin) stores a credential you
already have, such as an API token from valet tokens create.

--dev SUB mints a token for user SUB from the local stack's dev issuer,
stores it, and prints it (for export VALET_TOKEN=$(valet login --dev alice)).
--dev without SUB runs the browser flow against the dev issuer.`,
		example: "valet login\nvalet login --profile prod --no-browser\nvalet tokens create ci --scope jobs:write | valet login --profile ci --token -\nexport VALET_TOKEN=$(valet login --dev alice)",
		setup: func(fs *flag.FlagSet, in *inv) func() error {
			issuer := fs.String("issuer", "", "OIDC issuer (default $VALET_ISSUER, else the profile's, else the local stack's)")
			clientID := fs.String("client-id", "", "OAuth client id (default $VALET_CLIENT_ID, else the profile's, else the local stack's audience)")
			noBrowser := fs.Bool("no-browser", false, "print the sign-in URL instead of opening a browser")
			ttl := fs.Duration("ttl", time.Hour, "with --dev SUB: the token's lifetime (at most 1h, as Google's ID tokens)")
			return func() error {
				c, err := in.conn.resolve()
				if err != nil {
					return err
				}
				switch {
				case in.conn.token != "":
					return in.loginWithToken(c)
				case len(in.args) == 1:
					return in.loginDev(c, in.args[0], *ttl)
				}
				return in.loginBrowser(c, *issuer, *clientID, *noBrowser)
			}
		},
	}, {
		name:    "logout",
		summary: "forget the profile's stored credential",
		example: "valet logout\nvalet logout --profile prod",
		setup: func(fs *flag.FlagSet, in *inv) func() error {
			return func() error {
				c, err := in.conn.resolve()
				if err != nil {
					return err
				}
				had, err := deleteCredential(c.name)
				if err != nil {
					return err
				}
				if had {
					fmt.Fprintf(in.stderr, "logged out of profile %q\n", c.name)
				} else {
					fmt.Fprintf(in.stderr, "profile %q had no stored credential\n", c.name)
				}
				return nil
			}
		},
	}}
}

// loginWithToken stores --token (or the token read from stdin with -).
func (in *inv) loginWithToken(c *conn) error {
	tok := in.conn.token
	if tok == "-" {
		line, err := bufio.NewReader(io.LimitReader(in.stdin, 64<<10)).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read the token from stdin: %w", err)
		}
		tok = strings.TrimSpace(line)
	}
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return usageError{"--token needs a credential (a token without spaces; - reads it from stdin)"}
	}
	cred := &credential{Token: tok}
	if err := cred.save(c.name); err != nil {
		return err
	}
	in.loggedIn(c, cred)
	return nil
}

// loginDev mints a token for sub from the local stack's dev issuer.
func (in *inv) loginDev(c *conn, sub string, ttl time.Duration) error {
	if c.stack == nil {
		if err := c.loadStack(firstNonEmpty(in.conn.stack, os.Getenv("VALET_STACK"), walkUp)); err != nil {
			return usageError{"a SUB argument mints a dev token and needs the local stack: " + err.Error()}
		}
	}
	tok, err := client.MintDevToken(in.ctx, c.stack.Issuer, client.DevTokenRequest{
		Sub: sub, Email: sub + "@example.com", Aud: c.stack.Audience, TTLSeconds: int(ttl.Seconds()),
	})
	if err != nil {
		return err
	}
	cred := &credential{Token: tok, Issuer: c.stack.Issuer}
	if err := cred.save(c.name); err != nil {
		return err
	}
	fmt.Fprintln(in.stdout, tok)
	if client.IsTerminal(in.stdout) {
		fmt.Fprintln(in.stderr, "export it: export VALET_TOKEN=$(valet login --dev "+sub+")")
	}
	in.loggedIn(c, cred)
	return nil
}

func (in *inv) loggedIn(c *conn, cred *credential) {
	who := ""
	if cl := jwtClaims(cred.Token); cl.Sub != "" {
		who = " as " + firstNonEmpty(cl.Email, cl.Sub)
	}
	path, _ := credentialPath(c.name)
	fmt.Fprintf(in.stderr, "logged in to profile %q%s (stored in %s)\n", c.name, who, path)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// OpenBrowser opens url in the user's browser; tests replace it with a
// function that plays the browser.
var OpenBrowser = func(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		cmd = exec.Command("xdg-open", u)
	}
	return cmd.Start()
}

// loginTimeout bounds the wait for the browser's redirect.
const loginTimeout = 5 * time.Minute

// loginBrowser runs the authorization-code flow with PKCE (RFC 7636) and a
// loopback redirect (RFC 8252 section 7.3).
func (in *inv) loginBrowser(c *conn, issuer, clientID string, noBrowser bool) error {
	p := c.profile
	if p == nil {
		p = &Profile{}
	}
	var stackIssuer, stackAud string
	if c.stack != nil {
		stackIssuer, stackAud = c.stack.Issuer, c.stack.Audience
	}
	issuer = strings.TrimSuffix(firstNonEmpty(issuer, os.Getenv("VALET_ISSUER"), p.Issuer, stackIssuer), "/")
	clientID = firstNonEmpty(clientID, os.Getenv("VALET_CLIENT_ID"), p.ClientID, p.Audience, stackAud)
	if issuer == "" || clientID == "" {
		return usageError{fmt.Sprintf("profile %q has no issuer or client id: `valet config set issuer URL` and `valet config set client-id ID`, or log in with --token", c.name)}
	}
	ctx, cancel := context.WithTimeout(in.ctx, loginTimeout)
	defer cancel()
	d, err := client.Discover(ctx, issuer)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("open the loopback redirect: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://%s/callback", ln.Addr())
	verifier, state, nonce := randomString(), randomString(), randomString()
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {"openid email"}, "state": {state}, "nonce": {nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"access_type": {"offline"}}
	authURL := d.AuthorizationEndpoint + "?" + q.Encode()

	codes := make(chan callback, 1)
	srv := &http.Server{Handler: callbackHandler(state, codes), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	fmt.Fprintf(in.stderr, "Sign in to profile %q in your browser:\n  %s\n", c.name, authURL)
	if !noBrowser {
		if err := OpenBrowser(authURL); err != nil {
			fmt.Fprintln(in.stderr, "(could not open a browser: open the URL above yourself)")
		}
	}
	var cb callback
	select {
	case cb = <-codes:
	case <-ctx.Done():
		return errors.New("no answer from the browser: run valet login again")
	}
	if cb.err != nil {
		return cb.err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.code}, "redirect_uri": {redirect},
		"client_id": {clientID}, "code_verifier": {verifier}}
	if p.ClientSecret != "" {
		form.Set("client_secret", p.ClientSecret)
	}
	tr, err := client.ExchangeToken(ctx, d.TokenEndpoint, form)
	if err != nil {
		return fmt.Errorf("exchange the code: %w", err)
	}
	if jwtClaims(tr.IDToken).Nonce != nonce {
		return errors.New("the ID token's nonce is not the one this login sent: refusing it")
	}
	cred := &credential{Token: tr.IDToken, RefreshToken: tr.RefreshToken, TokenURL: d.TokenEndpoint, ClientID: clientID, Issuer: issuer}
	if err := cred.save(c.name); err != nil {
		return err
	}
	in.loggedIn(c, cred)
	return nil
}

// callback is what the browser brought back to the loopback redirect.
type callback struct {
	code string
	err  error
}

// callbackHandler takes the first redirect that carries the right state.
func callbackHandler(state string, out chan<- callback) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var cb callback
		switch {
		case q.Get("state") != state:
			http.Error(w, "this sign-in answer is not for the running valet login", http.StatusBadRequest)
			return
		case q.Get("error") != "":
			cb.err = fmt.Errorf("the issuer refused the sign-in: %s %s", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			cb.err = errors.New("the issuer redirected without a code")
		default:
			cb.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		msg := "You are signed in to valet. You can close this tab."
		if cb.err != nil {
			msg = "Sign-in failed: " + cb.err.Error()
		}
		fmt.Fprintf(w, "<!doctype html><title>valet login</title><p>%s</p>\n", html.EscapeString(msg))
		select {
		case out <- cb:
		default: // a second answer: the first one counts
		}
	})
}

func randomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
