package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestUsageErrorsExitTwo(t *testing.T) {
	t.Setenv("VALET_TOKEN", "t")
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no command":         {nil, "Usage:"},
		"unknown command":    {[]string{"frobnicate"}, `unknown command "frobnicate"`},
		"unknown flag":       {[]string{"status", "--frob", "j_1"}, "flag provided but not defined"},
		"missing id":         {[]string{"status"}, "want 1 argument(s) ([ID]), got 0"},
		"two ids":            {[]string{"cancel", "j_1", "j_2"}, "got 2"},
		"no spec":            {[]string{"submit", dir}, "pass --spec FILE.json or --image IMAGE"},
		"spec and image":     {[]string{"submit", dir, "--image", "x", "--spec", "s.json"}, "not both"},
		"not a directory":    {[]string{"submit", filepath.Join(dir, "nope"), "--image", "x"}, "is not a directory"},
		"fractional timeout": {[]string{"submit", dir, "--image", "x", "--timeout", "1.5s"}, "whole seconds"},
		"login without dev":  {[]string{"login"}, "pass --dev SUB"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := run(t, tc.args...)
			require.Equal(t, ExitUsage, code, stderr)
			require.Contains(t, stderr, tc.want)
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	code, stdout, _ := run(t, "help")
	require.Equal(t, ExitOK, code)
	require.Contains(t, stdout, "valet submit DIR")
}

func TestMissingTokenSaysHowToGetOne(t *testing.T) {
	t.Setenv("VALET_TOKEN", "")
	code, _, stderr := run(t, "status", "j_1", "--jobs-url", "http://127.0.0.1:1/jobs")
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "valet login --dev alice")
}

func TestMissingStackSaysToStartIt(t *testing.T) {
	t.Setenv("VALET_STACK", filepath.Join(t.TempDir(), "stack.json"))
	code, _, stderr := run(t, "status", "j_1", "--token", "t")
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "make dev")
}

func TestAPIErrorPrintsMessageAndAdvice(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"code":"unauthenticated","message":"the token has expired"}}`)
	}))
	defer srv.Close()
	code, stdout, stderr := run(t, "cancel", "j_1", "--token", "old", "--jobs-url", srv.URL)
	require.Equal(t, ExitError, code)
	require.Empty(t, stdout)
	require.Equal(t, "valet cancel: unauthenticated (401): the token has expired\n"+
		"  next: check --token or VALET_TOKEN (it may have expired); on the local stack run `valet login --dev <you>` for a fresh one\n", stderr)
}

func TestStatusPrintsTheJob(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/jobs/j_1" || r.Header.Get("Authorization") != "Bearer tok" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"id":"j_1","state":"RUNNING"}`)
	}))
	defer srv.Close()
	t.Setenv("VALET_TOKEN", "tok")
	t.Setenv("VALET_JOBS_URL", srv.URL)
	code, stdout, stderr := run(t, "status", "j_1")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, `"state": "RUNNING"`)
}

func TestLoadSpec(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.json"), filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(good, []byte(`{"image":"x","command":["make"]}`), 0o644))
	require.NoError(t, os.WriteFile(bad, []byte(`["not","an","object"]`), 0o644))

	spec, err := loadSpec(good, "")
	require.NoError(t, err)
	require.Equal(t, map[string]any{"image": "x", "command": []any{"make"}}, spec)
	spec, err = loadSpec("", "alpine")
	require.NoError(t, err)
	require.Equal(t, map[string]any{"image": "alpine"}, spec)
	_, err = loadSpec(bad, "")
	require.ErrorContains(t, err, "must hold a JSON object")
}
