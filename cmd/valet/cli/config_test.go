package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/client/clienttest"
)

// whoServer is a fake jobs function that answers GET /jobs/{id} with a
// job whose message names the server and the bearer token it saw.
func whoServer(t *testing.T, name string) string {
	t.Helper()
	return clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"id": "j_1", "state": "RUNNING", "message": name + " " + r.Header.Get("Authorization") + " " + r.URL.Path})
	})
}

// writeStack writes a .dev/stack.json below dir, as `make dev` does.
func writeStack(t *testing.T, dir string, info map[string]any) {
	t.Helper()
	stack, err := json.Marshal(info)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".dev"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dev", "stack.json"), stack, 0o644))
}

func jobMessage(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, append([]string{"jobs", "get", "j_1", "--json"}, args...)...)
	require.Equal(t, ExitOK, code, stderr)
	var j struct{ Message string }
	require.NoError(t, json.Unmarshal([]byte(stdout), &j))
	return j.Message
}

// TestConfigProfilesAndPrecedence: config set creates profiles in
// os.UserConfigDir()/valet/config.json (mode 0600), use switches, get and
// list read; a flag wins over VALET_* which wins over the profile, a
// per-function URL over a base URL.
func TestConfigProfilesAndPrecedence(t *testing.T) {
	home := isolate(t)
	prod, staging, env, flag := whoServer(t, "prod"), whoServer(t, "staging"), whoServer(t, "env"), whoServer(t, "flag")

	for _, args := range [][]string{
		{"config", "set", "url", prod, "--profile", "prod"},
		{"config", "set", "jobs-url", staging + "/jobs", "--profile", "staging"},
		{"config", "set", "issuer", "https://issuer.example", "--profile", "staging"},
	} {
		code, _, stderr := run(t, args...)
		require.Equal(t, ExitOK, code, stderr)
	}
	path := filepath.Join(home, ".config", "valet", "config.json")
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	code, stdout, _ := run(t, "config", "get", "url")
	require.Equal(t, ExitOK, code)
	require.Equal(t, prod+"\n", stdout, "the first profile created is the current one")
	code, stdout, _ = run(t, "config", "list")
	require.Equal(t, ExitOK, code)
	require.Regexp(t, `\*\s+prod\s+`+prod, stdout)
	require.Regexp(t, `\n\s+staging\s+`+staging+`/jobs\s+https://issuer.example`, stdout)

	t.Setenv("VALET_TOKEN", "tok")
	require.Equal(t, "prod Bearer tok /jobs/jobs/j_1", jobMessage(t), "base URL: the function at URL/jobs")
	require.Equal(t, "staging Bearer tok /jobs/jobs/j_1", jobMessage(t, "--profile", "staging"))
	code, _, stderr := run(t, "config", "use", "staging")
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, "staging Bearer tok /jobs/jobs/j_1", jobMessage(t))
	t.Setenv("VALET_PROFILE", "prod")
	require.Equal(t, "prod Bearer tok /jobs/jobs/j_1", jobMessage(t), "VALET_PROFILE over the current profile")
	require.Equal(t, "staging Bearer tok /jobs/jobs/j_1", jobMessage(t, "--profile", "staging"), "--profile over VALET_PROFILE")

	t.Setenv("VALET_URL", env)
	require.Equal(t, "env Bearer tok /jobs/jobs/j_1", jobMessage(t), "VALET_URL over the profile")
	t.Setenv("VALET_JOBS_URL", env+"/x")
	require.Equal(t, "env Bearer tok /x/jobs/j_1", jobMessage(t), "VALET_JOBS_URL over VALET_URL")
	require.Equal(t, "flag Bearer tok /jobs/jobs/j_1", jobMessage(t, "--url", flag), "--url over VALET_*")
	require.Equal(t, "flag Bearer flagtok /y/jobs/j_1", jobMessage(t, "--url", prod, "--jobs-url", flag+"/y", "--token", "flagtok"))

	code, _, stderr = run(t, "config", "use", "nope")
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, `no profile "nope"`)
	code, _, stderr = run(t, "jobs", "get", "j_1", "--profile", "nope")
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, `no profile "nope"`)
}

// TestDevFindsTheStackFromAnyDirectory: --dev (and no configuration at
// all) finds .dev/stack.json walking up from the working directory.
func TestDevFindsTheStackFromAnyDirectory(t *testing.T) {
	home := isolate(t)
	checkout := filepath.Join(home, "src", "valet")
	deep := filepath.Join(checkout, "functions", "jobs")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	dev := whoServer(t, "dev")
	writeStack(t, checkout, map[string]any{"functions": map[string]string{"jobs": dev + "/jobs"}, "issuer": "http://127.0.0.1:1"})
	t.Setenv("VALET_TOKEN", "tok")
	t.Chdir(deep)
	require.Equal(t, "dev Bearer tok /jobs/jobs/j_1", jobMessage(t), "no configuration: the local stack")
	require.Equal(t, "dev Bearer tok /jobs/jobs/j_1", jobMessage(t, "--dev"))

	// With a profile current, --dev still means the local stack.
	prod := whoServer(t, "prod")
	code, _, stderr := run(t, "config", "set", "url", prod, "--profile", "prod")
	require.Equal(t, ExitOK, code, stderr)
	require.Equal(t, "prod Bearer tok /jobs/jobs/j_1", jobMessage(t))
	require.Equal(t, "dev Bearer tok /jobs/jobs/j_1", jobMessage(t, "--dev"))

	// Outside the checkout, --dev says how to start the stack.
	t.Chdir(home)
	code, _, stderr = run(t, "jobs", "get", "j_1", "--dev")
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "make dev")
}

// TestNoCredentialSaysHowToLogIn: without --token, VALET_TOKEN or a
// stored login the command exits 5 and names valet login.
func TestNoCredentialSaysHowToLogIn(t *testing.T) {
	isolate(t)
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) { clienttest.Answer(w, http.StatusOK, "{}") })
	code, _, stderr := run(t, "config", "set", "url", srv, "--profile", "prod")
	require.Equal(t, ExitOK, code, stderr)
	code, _, stderr = run(t, "jobs", "list")
	require.Equal(t, ExitAuthNeeded, code)
	require.Contains(t, stderr, `not logged in to profile "prod": run `+"`valet login`")
}

// TestDevLoginWithoutConfiguration: with nothing configured, valet login
// --dev SUB stores a login that the next command (no flags) uses.
func TestDevLoginWithoutConfiguration(t *testing.T) {
	home := isolate(t)
	issuer := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"id_token": fakeJWT(map[string]any{"sub": "alice"})})
	})
	dev := whoServer(t, "dev")
	writeStack(t, home, map[string]any{"functions": map[string]string{"jobs": dev + "/jobs"}, "issuer": issuer, "audience": "valet-dev"})
	code, stdout, stderr := run(t, "login", "--dev", "alice")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stderr, `logged in to profile "dev"`)
	require.Equal(t, "dev Bearer "+strings.TrimSpace(stdout)+" /jobs/jobs/j_1", jobMessage(t))
}
