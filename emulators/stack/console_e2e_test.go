package stack_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/console"
)

// TestConsoleOnItsOwnOrigin: the stack serves the console on an origin of
// its own, configured with the stack's functions, issuer and storage, and
// that origin is the first the API and the buckets allow.
func TestConsoleOnItsOwnOrigin(t *testing.T) {
	s := startStack(t)
	consoleURL := s.Info.Functions[console.Name]
	c, err := url.Parse(consoleURL)
	require.NoError(t, err)
	j, err := url.Parse(s.Info.Functions["jobs"])
	require.NoError(t, err)
	require.NotEqual(t, c.Host, j.Host, "the console is another origin than the API, as deployed")

	res, err := http.Get(consoleURL + console.ConfigPath)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var cfg console.Config
	require.NoError(t, json.NewDecoder(res.Body).Decode(&cfg))
	require.Equal(t, s.Info.Functions["jobs"], cfg.JobsURL)
	require.Equal(t, s.Info.Functions["objects"], cfg.ObjectsURL)
	require.Equal(t, s.Info.Functions["tokens"], cfg.TokensURL)
	require.Equal(t, s.Info.Issuer, cfg.Issuer)
	require.Equal(t, s.Info.Issuer+"/token", cfg.TokenEndpoint)
	require.Equal(t, s.Info.Storage, cfg.StorageOrigin)
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "connect-src 'self' "+j.Scheme+"://"+j.Host+" "+s.Info.Issuer+" "+s.Info.Storage)

	for _, target := range []string{s.Info.Functions["jobs"] + "/jobs", s.Info.Functions["objects"] + "/spaces", s.Info.Functions["tokens"] + "/tokens", s.Info.Storage + "/" + s.Info.Buckets.Jobs + "/x"} {
		res := preflight(t, target, consoleURL, http.MethodGet)
		require.Equal(t, consoleURL, res.header.Get("Access-Control-Allow-Origin"), target)
	}
}
