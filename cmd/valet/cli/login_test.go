package cli

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/oidc/oidctest"
	"valet.dev/valet/shared/client/clienttest"
)

// requirePrivate asserts the credential file of profile has mode 0600 in
// a 0700 directory, and returns its content.
func requirePrivate(t *testing.T, home, profile string) credential {
	t.Helper()
	path := filepath.Join(home, ".config", "valet", "credentials", profile+".json")
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the credential is readable by its owner only")
	dir, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), dir.Mode().Perm())
	var c credential
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &c))
	return c
}

// TestLoginWithTokenStoresItPrivately: --token and --token - (stdin) store
// the credential with mode 0600; commands use it; logout forgets it.
func TestLoginWithTokenStoresItPrivately(t *testing.T) {
	home := isolate(t)
	srv := whoServer(t, "prod")
	code, _, stderr := run(t, "config", "set", "url", srv, "--profile", "prod")
	require.Equal(t, ExitOK, code, stderr)

	code, stdout, stderr := run(t, "login", "--token", "valet_abc_secret")
	require.Equal(t, ExitOK, code, stderr)
	require.Empty(t, stdout)
	require.Contains(t, stderr, `logged in to profile "prod"`)
	require.NotContains(t, stderr, "valet_abc_secret", "the credential is never printed")
	require.Equal(t, "valet_abc_secret", requirePrivate(t, home, "prod").Token)
	require.Equal(t, "prod Bearer valet_abc_secret /jobs/jobs/j_1", jobMessage(t))

	Stdin = strings.NewReader("valet_from_stdin\n")
	t.Cleanup(func() { Stdin = strings.NewReader("") })
	code, _, stderr = run(t, "login", "--token", "-")
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, "prod Bearer valet_from_stdin /jobs/jobs/j_1", jobMessage(t))

	code, _, stderr = run(t, "logout")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, `logged out of profile "prod"`)
	code, _, stderr = run(t, "jobs", "get", "j_1")
	require.Equal(t, ExitAuthNeeded, code)
	require.Contains(t, stderr, "valet login")
}

// playBrowser returns an OpenBrowser that does what a person does on the
// dev issuer's page: open the URL, pick sub, follow the redirect to the
// CLI's loopback.
func playBrowser(t *testing.T, sub string, seen *url.Values) func(string) error {
	return func(authURL string) error {
		u, err := url.Parse(authURL)
		if err != nil {
			return err
		}
		*seen = u.Query()
		res, err := http.Get(authURL)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("authorize page: %d", res.StatusCode)
		}
		form := u.Query()
		form.Set("sub", sub)
		jar, _ := cookiejar.New(nil)
		res, err = (&http.Client{Jar: jar}).PostForm(u.Scheme+"://"+u.Host+u.Path, form)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "You are signed in to valet") {
			return fmt.Errorf("callback page: %s", body)
		}
		return nil
	}
}

// TestLoginBrowserPKCE: valet login runs the authorization-code flow with
// PKCE against the profile's issuer with a loopback redirect on a free
// port, and stores the ID token (mode 0600), which commands then send.
func TestLoginBrowserPKCE(t *testing.T) {
	home := isolate(t)
	iss := oidctest.Start(t, "valet-cli")
	iss.RegisterClient("valet-cli", "http://127.0.0.1/callback")
	srv := whoServer(t, "prod")
	for _, kv := range [][2]string{{"url", srv}, {"issuer", iss.URL}, {"client-id", "valet-cli"}} {
		code, _, stderr := run(t, "config", "set", kv[0], kv[1], "--profile", "prod")
		require.Equal(t, ExitOK, code, stderr)
	}
	var asked url.Values
	OpenBrowser = playBrowser(t, "alice", &asked)
	t.Cleanup(func() { OpenBrowser = nil })

	code, stdout, stderr := run(t, "login")
	require.Equal(t, ExitOK, code, stderr)
	require.Empty(t, stdout)
	require.Contains(t, stderr, `logged in to profile "prod" as alice@example.com`)
	require.Equal(t, "S256", asked.Get("code_challenge_method"))
	require.Regexp(t, `^http://127\.0\.0\.1:\d+/callback$`, asked.Get("redirect_uri"))
	require.Len(t, asked.Get("state"), 43)

	cred := requirePrivate(t, home, "prod")
	require.Equal(t, iss.URL, cred.Issuer)
	require.Equal(t, iss.URL+oidc.TokenPath, cred.TokenURL)
	claims := jwtClaims(cred.Token)
	require.Equal(t, oidc.AccountID("alice"), claims.Sub)
	require.NotEmpty(t, claims.Nonce)
	require.WithinDuration(t, time.Now().Add(time.Hour), cred.Expiry, 5*time.Minute)
	// valet accepts the token as alice's.
	_, err := iss.Users.Verify(t.Context(), cred.Token)
	require.NoError(t, err)
	require.Equal(t, "prod Bearer "+cred.Token+" /jobs/jobs/j_1", jobMessage(t))

}

// TestCallbackTakesOnlyItsOwnAnswer: the loopback handler ignores an
// answer with another state (a page that is not this login's), and turns
// the issuer's error redirect into an error.
func TestCallbackTakesOnlyItsOwnAnswer(t *testing.T) {
	out := make(chan callback, 1)
	h := callbackHandler("s-1", out)
	for _, tc := range []struct {
		query  string
		status int
	}{
		{"state=other&code=c", http.StatusBadRequest},
		{"code=c", http.StatusBadRequest},
		{"state=s-1&error=access_denied&error_description=the+user+said+no", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?"+tc.query, nil))
		require.Equal(t, tc.status, rec.Code, tc.query)
	}
	cb := <-out
	require.ErrorContains(t, cb.err, "the issuer refused the sign-in: access_denied the user said no")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/callback?state=s-1&code=c", nil))
	require.Equal(t, "c", (<-out).code)
}

func fakeJWT(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(b) + ".sig"
}

// TestExpiredLoginIsRefreshed: a stored ID token about to expire is
// refreshed with the refresh token before the command runs; the new
// tokens are stored (still 0600). Without a refresh token the command
// exits 5 and says to log in.
func TestExpiredLoginIsRefreshed(t *testing.T) {
	home := isolate(t)
	fresh := fakeJWT(map[string]any{"sub": "alice", "exp": time.Now().Add(time.Hour).Unix()})
	var got url.Values
	issuer := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		got = r.PostForm
		json.NewEncoder(w).Encode(map[string]string{"id_token": fresh, "refresh_token": "r2", "token_type": "Bearer"})
	})
	srv := whoServer(t, "prod")
	code, _, stderr := run(t, "config", "set", "url", srv, "--profile", "prod")
	require.Equal(t, ExitOK, code, stderr)
	stale := fakeJWT(map[string]any{"sub": "alice", "exp": time.Now().Add(10 * time.Second).Unix()})
	require.NoError(t, (&credential{Token: stale, RefreshToken: "r1", TokenURL: issuer, ClientID: "cli"}).save("prod"))

	require.Equal(t, "prod Bearer "+fresh+" /jobs/jobs/j_1", jobMessage(t))
	require.Equal(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"r1"}, "client_id": {"cli"}}, got)
	cred := requirePrivate(t, home, "prod")
	require.Equal(t, fresh, cred.Token)
	require.Equal(t, "r2", cred.RefreshToken)

	require.NoError(t, (&credential{Token: stale}).save("prod"))
	code, _, stderr = run(t, "jobs", "get", "j_1")
	require.Equal(t, ExitAuthNeeded, code)
	require.Contains(t, stderr, `the login of profile "prod" expired`)
}
