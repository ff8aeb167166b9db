package cli

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/client/clienttest"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

// isolate gives the test a home and config directory of its own and
// clears every VALET_* variable, so nothing of the machine's leaks in.
func isolate(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	for _, v := range []string{"VALET_CONFIG_DIR", "VALET_PROFILE", "VALET_TOKEN", "VALET_URL", "VALET_JOBS_URL",
		"VALET_OBJECTS_URL", "VALET_TOKENS_URL", "VALET_STACK", "VALET_ISSUER", "VALET_CLIENT_ID"} {
		t.Setenv(v, "")
	}
	t.Chdir(home) // no .dev/stack.json above it
	return home
}

func TestUsageErrorsExitTwo(t *testing.T) {
	isolate(t)
	t.Setenv("VALET_TOKEN", "t")
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no command":         {nil, "Usage:"},
		"group only":         {[]string{"jobs"}, "valet jobs COMMAND"},
		"unknown command":    {[]string{"frobnicate"}, `unknown command "frobnicate"`},
		"unknown subcommand": {[]string{"jobs", "frob"}, `valet jobs: unknown command "frob"`},
		"unknown flag":       {[]string{"jobs", "get", "--frob", "j_1"}, "flag provided but not defined"},
		"missing id":         {[]string{"jobs", "get"}, "missing ID"},
		"two ids":            {[]string{"jobs", "cancel", "j_1", "j_2"}, `unexpected argument "j_2"`},
		"no spec":            {[]string{"submit", dir}, "pass --spec FILE.json or --image IMAGE"},
		"spec and image":     {[]string{"jobs", "submit", dir, "--image", "x", "--spec", "s.json"}, "not both"},
		"not a directory":    {[]string{"submit", filepath.Join(dir, "nope"), "--image", "x"}, "is not a directory"},
		"fractional timeout": {[]string{"submit", dir, "--image", "x", "--timeout", "1.5s"}, "whole seconds"},
		"unknown config key": {[]string{"config", "set", "colour", "blue"}, `unknown key "colour"`},
		"no scope":           {[]string{"tokens", "create", "ci", "--url", "http://127.0.0.1:1"}, "pass at least one --scope"},
	} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := run(t, tc.args...)
			require.Equal(t, ExitUsage, code, stderr)
			require.Contains(t, stderr, tc.want)
		})
	}
}

// TestEveryCommandHasHelp: --help on every command and group exits 0 and
// shows the usage line, each argument and an example.
func TestEveryCommandHasHelp(t *testing.T) {
	isolate(t)
	for _, c := range commands {
		code, stdout, stderr := run(t, append(strings.Fields(c.name), "--help")...)
		require.Equal(t, ExitOK, code, "%s: %s", c.name, stderr)
		require.Contains(t, stdout, "Usage:\n  valet "+c.name, c.name)
		require.Regexp(t, "\nExample:\n  .*valet ", stdout, c.name)
		for _, a := range c.args {
			require.Contains(t, stdout, "  "+a.name+" ", c.name)
		}
		if c.prints {
			require.Contains(t, stdout, "--json", c.name)
		}
	}
	for _, g := range groups {
		code, stdout, _ := run(t, append(strings.Fields(g.name), "--help")...)
		require.Equal(t, ExitOK, code, g.name)
		require.Contains(t, stdout, "valet "+g.name+" COMMAND")
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}} {
		code, stdout, _ := run(t, args...)
		require.Equal(t, ExitOK, code)
		require.Contains(t, stdout, "Exit codes:")
	}
	code, stdout, _ := run(t, "help", "jobs", "submit")
	require.Equal(t, ExitOK, code)
	require.Contains(t, stdout, "valet jobs submit DIR")
}

// TestDocsMatchHelp: docs/cli.md holds the help of every command verbatim;
// UPDATE_DOCS=1 rewrites it.
func TestDocsMatchHelp(t *testing.T) {
	path, err := filepath.Abs(filepath.Join("..", "..", "..", "docs", "cli.md"))
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(b)
	i, j := strings.Index(doc, docsBegin), strings.Index(doc, docsEnd)
	require.True(t, i >= 0 && j > i, "docs/cli.md lacks the generated section's markers")
	want := doc[:i] + Reference() + doc[j+len(docsEnd)+1:]
	if os.Getenv("UPDATE_DOCS") == "1" {
		require.NoError(t, os.WriteFile(path, []byte(want), 0o644))
		return
	}
	require.Equal(t, want, doc, "docs/cli.md differs from the CLI's help: run UPDATE_DOCS=1 go test ./cmd/valet/cli -run TestDocsMatchHelp")
}

func TestVersionAndCompletion(t *testing.T) {
	isolate(t)
	code, stdout, _ := run(t, "version")
	require.Equal(t, ExitOK, code)
	require.True(t, strings.HasPrefix(stdout, "valet "), stdout)
	code, stdout, _ = run(t, "version", "--json")
	require.Equal(t, ExitOK, code)
	require.Contains(t, stdout, `"version":`)
	for shell, want := range map[string]string{"bash": "complete -o default -F _valet valet", "zsh": "bashcompinit", "fish": "complete -c valet"} {
		code, stdout, _ := run(t, "completion", shell)
		require.Equal(t, ExitOK, code)
		require.Contains(t, stdout, want)
		require.Contains(t, stdout, "attestation", "every command is completed")
		require.Contains(t, stdout, "set-role")
	}
}

func TestAPIErrorPrintsMessageAndAdvice(t *testing.T) {
	isolate(t)
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		clienttest.Answer(w, http.StatusUnauthorized, `{"error":{"code":"unauthenticated","message":"the token has expired"}}`)
	})
	code, stdout, stderr := run(t, "jobs", "cancel", "j_1", "--token", "old", "--jobs-url", srv)
	require.Equal(t, ExitAuthNeeded, code)
	require.Empty(t, stdout)
	require.Equal(t, "valet jobs cancel: unauthenticated (401): the token has expired\n"+
		"  next: log in again (`valet login`, on the local stack `valet login --dev <you>`), or check --token / VALET_TOKEN: it may have expired\n", stderr)
}

func TestGetPrintsTheJob(t *testing.T) {
	isolate(t)
	fakeJobs(t, "RUNNING", "", false)
	code, stdout, stderr := run(t, "status", "j_1", "--json")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, `"state": "RUNNING"`)
	code, stdout, stderr = run(t, "jobs", "get", "j_1")
	require.Equal(t, ExitOK, code, stderr)
	require.Contains(t, stdout, "state:   RUNNING")
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

	// The job spec schema is checked before anything is uploaded.
	typo := filepath.Join(dir, "typo.json")
	require.NoError(t, os.WriteFile(typo, []byte(`{"image":"x","command":"make test"}`), 0o644))
	_, err = loadSpec(typo, "")
	require.ErrorContains(t, err, "typo.json: spec.command: got string, want array")
	_, err = loadSpec("", "two words")
	require.ErrorContains(t, err, "--image: spec.image")
	code, _, stderr := run(t, "jobs", "submit", dir, "--spec", typo)
	require.Equal(t, ExitUsage, code)
	require.Contains(t, stderr, "spec.command")
}

func TestCollectPages(t *testing.T) {
	pages := map[string][]int{"": {1, 2, 3}, "b": {4, 5, 6}, "c": {7}}
	next := map[string]string{"": "b", "b": "c", "c": ""}
	var sizes []int
	page := func(size int, token string) ([]int, string, error) {
		sizes = append(sizes, size)
		return pages[token], next[token], nil
	}
	all, err := collect(0, 3, page)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 7}, all)
	require.Equal(t, []int{3, 3, 3}, sizes)
	sizes = nil
	some, err := collect(4, 3, page)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3, 4}, some)
	require.Equal(t, []int{3, 1}, sizes, "the last page asks only for what is left")
}
