package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/console"
)

func testConfig() console.Config {
	return console.Config{
		JobsURL: "https://jobs-x.a.run.app", ObjectsURL: "https://objects-x.a.run.app", TokensURL: "https://tokens-x.a.run.app",
		Issuer: "https://id.example/realms/valet", ClientID: "valet-console",
		AuthorizationEndpoint: "https://id.example/realms/valet/auth", TokenEndpoint: "https://id.example/realms/valet/token",
		StorageOrigin: console.DefaultStorageOrigin,
	}
}

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w.Result()
}

// TestSecurityHeaders: every answer, pages, scripts, config and errors,
// carries the strict CSP, nosniff and no-referrer.
func TestSecurityHeaders(t *testing.T) {
	h := console.New(console.Options{Config: testConfig()})
	for _, path := range []string{"/", "/app.js", "/callback.html", "/style.css", console.ConfigPath, "/nothing", "/healthz"} {
		res := get(t, h, path)
		csp := res.Header.Get("Content-Security-Policy")
		require.Contains(t, csp, "default-src 'none'", path)
		require.Contains(t, csp, "script-src 'self';", path)
		require.NotContains(t, csp, "unsafe-inline", path)
		require.NotContains(t, csp, "unsafe-eval", path)
		require.Contains(t, csp, "connect-src 'self' https://jobs-x.a.run.app https://objects-x.a.run.app https://tokens-x.a.run.app https://id.example https://storage.googleapis.com;", path)
		require.Contains(t, csp, "frame-ancestors 'none'", path)
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), path)
		require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"), path)
	}
	require.Equal(t, http.StatusNotFound, get(t, h, "/nothing").StatusCode)
	res := get(t, h, "/app.js")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "javascript")
}

// TestNoInlineScript: the pages load scripts from files only, so the CSP
// needs no 'unsafe-inline', and no page writes tokens to storage or
// cookies.
func TestNoInlineScript(t *testing.T) {
	h := console.New(console.Options{Config: testConfig()})
	for _, page := range []string{"/", "/callback.html"} {
		body, _ := io.ReadAll(get(t, h, page).Body)
		for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(string(body), -1) {
			require.Contains(t, m, `src=`, "inline script in %s", page)
		}
		require.NotRegexp(t, `\son[a-z]+=`, string(body), "inline handler in %s", page)
		require.NotContains(t, string(body), "style=")
	}
	for _, js := range []string{"/app.js", "/auth.js", "/api.js", "/jobs.js", "/spaces.js", "/projects.js", "/tokens.js", "/transfer.js", "/ui.js", "/callback.js"} {
		body, _ := io.ReadAll(get(t, h, js).Body)
		for _, banned := range []string{"localStorage", "sessionStorage", "document.cookie", "indexedDB", "innerHTML", "eval(", "location.href =", "pushState"} {
			require.NotContains(t, string(body), banned, "%s uses %s", js, banned)
		}
	}
}

func TestConfigEndpoint(t *testing.T) {
	h := console.New(console.Options{Config: testConfig()})
	res := get(t, h, console.ConfigPath)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var got console.Config
	require.NoError(t, json.NewDecoder(res.Body).Decode(&got))
	require.Equal(t, testConfig(), got)
}

func TestUnconfigured(t *testing.T) {
	h := console.New(console.Options{})
	require.Equal(t, http.StatusOK, get(t, h, "/healthz").StatusCode)
	res := get(t, h, "/")
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
}

func TestLoadConfig(t *testing.T) {
	issuer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/.well-known/openid-configuration", r.URL.Path)
		_, _ = io.WriteString(w, `{"authorization_endpoint":"https://id.example/auth","token_endpoint":"https://id.example/token"}`)
	}))
	defer issuer.Close()
	env := map[string]string{
		console.EnvJobsURL: "https://j.example", console.EnvObjectsURL: "https://o.example", console.EnvTokensURL: "https://t.example",
		console.EnvIssuer: issuer.URL, console.EnvClientID: "c",
	}
	c, err := console.LoadConfig(context.Background(), func(k string) string { return env[k] })
	require.NoError(t, err)
	require.Equal(t, "https://id.example/auth", c.AuthorizationEndpoint)
	require.Equal(t, "https://id.example/token", c.TokenEndpoint)
	require.Equal(t, console.DefaultStorageOrigin, c.StorageOrigin)

	for _, k := range []string{console.EnvJobsURL, console.EnvClientID, console.EnvIssuer} {
		bad := map[string]string{}
		for kk, v := range env {
			bad[kk] = v
		}
		bad[k] = ""
		_, err := console.LoadConfig(context.Background(), func(x string) string { return bad[x] })
		require.ErrorContains(t, err, k)
	}
	env[console.EnvJobsURL] = "javascript:alert(1)"
	_, err = console.LoadConfig(context.Background(), func(k string) string { return env[k] })
	require.ErrorContains(t, err, console.EnvJobsURL)
	require.True(t, strings.HasPrefix(console.DefaultStorageOrigin, "https://"))
}
