package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/cmd/valet-worker/worker"
	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/client/clienttest"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
)

// cliOK runs one valet invocation that must succeed and returns its stdout.
func cliOK(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := run(t, args...)
	require.Equal(t, ExitOK, code, "valet %s\nstderr:\n%s", strings.Join(args, " "), stderr)
	return stdout
}

// cliJSON runs a command with --json and decodes its stdout into v.
func cliJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(cliOK(t, append(args, "--json")...)), v), args)
}

// bgWorker is a valet-worker run in the background.
type bgWorker struct {
	log  apitest.Logs
	done chan int
}

// startWorker runs `valet-worker --once --poll 100ms` with args in the
// background, as the stack's dispatcher.
func startWorker(ctx context.Context, args ...string) *bgWorker {
	w := &bgWorker{done: make(chan int, 1)}
	go func() {
		w.done <- worker.Run(ctx, append([]string{"--once", "--poll", "100ms"}, args...), io.Discard, &w.log)
	}()
	return w
}

// wait returns the worker's exit code once it has ended.
func (w *bgWorker) wait() int { return <-w.done }

// TestEveryResourceThroughAProfile is the CLI's done-when test: in a fresh
// HOME, a profile that is not the dev default ("lab": the stack's base URL,
// its issuer and client id, set with valet config) logs in with the
// browser flow and drives every resource against the local stack.
func TestEveryResourceThroughAProfile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := stack.StartTest(ctx, t, "clip", stack.Options{})
	home := isolate(t) // no VALET_*, no stack.json above the working directory
	stackFile := s.WriteTestInfo(t)
	base := strings.TrimSuffix(s.Info.Functions["jobs"], "/jobs")

	// config: a profile "lab", made current; "dev" untouched.
	cliOK(t, "config", "set", "url", base, "--profile", "lab")
	cliOK(t, "config", "set", "issuer", s.Info.Issuer, "--profile", "lab")
	cliOK(t, "config", "set", "client-id", s.Info.Audience, "--profile", "lab")
	cliOK(t, "config", "set", "url", "http://127.0.0.1:1", "--profile", "other")
	cliOK(t, "config", "use", "lab")
	require.Equal(t, base+"\n", cliOK(t, "config", "get", "url"))
	require.Regexp(t, `\*\s+lab\s+`+base, cliOK(t, "config", "list"))
	_, err := os.Stat(filepath.Join(home, ".config", "valet", "config.json"))
	require.NoError(t, err, "the config lives in os.UserConfigDir()/valet")

	// login: the authorization-code flow with PKCE against the stack's
	// issuer, a loopback redirect, alice picked on its page.
	var asked url.Values
	OpenBrowser = playBrowser(t, "alice", &asked)
	t.Cleanup(func() { OpenBrowser = nil })
	require.Empty(t, cliOK(t, "login", "--no-browser=false"))
	require.Equal(t, oidc.AccountID("alice"), jwtClaims(requirePrivate(t, home, "lab").Token).Sub)
	alice := identity.UserID(s.Info.Issuer, oidc.AccountID("alice"))
	bob, err := s.Issuer.Mint(oidc.TokenRequest{Sub: "bob"})
	require.NoError(t, err)
	bobID := identity.UserID(s.Info.Issuer, oidc.AccountID("bob"))
	cliOK(t, "config", "set", "url", base, "--profile", "bob")
	cliOK(t, "login", "--profile", "bob", "--token", bob)

	// spaces
	var spaces []client.Space
	cliJSON(t, &spaces, "spaces", "ls")
	require.Equal(t, "users/"+alice, spaces[0].ID)
	require.Contains(t, cliOK(t, "spaces", "ls"), "users/"+alice)

	// projects and members
	pid := fmt.Sprintf("p-e2e-%d", time.Now().UnixNano()%1e6)
	var p client.Project
	cliJSON(t, &p, "projects", "create", pid, "--name", "The lab")
	require.Equal(t, "The lab", p.DisplayName)
	cliOK(t, "projects", "members", "add", pid, bobID, "--role", "viewer")
	cliOK(t, "projects", "members", "set-role", pid, bobID, "editor")
	require.Regexp(t, bobID+`\s+editor`, cliOK(t, "projects", "get", pid))
	cliJSON(t, &p, "projects", "get", pid, "--profile", "bob")
	require.Len(t, p.Members, 2)

	// objects: put (waits for READY), ls, get, cp, revoke, rm.
	file := filepath.Join(t.TempDir(), "results.csv")
	require.NoError(t, os.WriteFile(file, []byte("a,b\n1,2\n"), 0o644))
	var obj struct{ ID, State, Name string }
	cliJSON(t, &obj, "objects", "put", file, "--name", "data/results.csv")
	require.Equal(t, "READY", obj.State)
	require.Contains(t, cliOK(t, "objects", "ls", "--prefix", "data/"), "data/results.csv")
	got := filepath.Join(t.TempDir(), "got.csv")
	cliOK(t, "objects", "get", obj.ID, "-o", got)
	b, err := os.ReadFile(got)
	require.NoError(t, err)
	require.Equal(t, "a,b\n1,2\n", string(b))
	var cp struct{ ID, Space, State string }
	cliJSON(t, &cp, "objects", "cp", obj.ID, "projects/"+pid, "--name", "shared.csv")
	require.Equal(t, "projects/"+pid, cp.Space)
	require.Contains(t, cliOK(t, "objects", "ls", "projects/"+pid, "--profile", "bob"), "shared.csv")
	require.Contains(t, cliOK(t, "objects", "revoke", obj.ID), "READY")
	cliOK(t, "objects", "rm", obj.ID)
	code, _, stderr := run(t, "objects", "get", obj.ID, "-o", got)
	require.Equal(t, ExitNotFound, code, stderr)

	// tokens: create (the value alone on stdout), log a profile in with it
	// from stdin, ls, revoke.
	tok := strings.TrimSpace(cliOK(t, "tokens", "create", "ci", "--scope", "jobs:read", "--expires", "1h"))
	require.True(t, strings.HasPrefix(tok, "valet_"), tok)
	cliOK(t, "config", "set", "url", base, "--profile", "ci")
	Stdin = strings.NewReader(tok + "\n")
	t.Cleanup(func() { Stdin = strings.NewReader("") })
	cliOK(t, "login", "--profile", "ci", "--token", "-")
	cliOK(t, "jobs", "list", "--profile", "ci")
	var tokens []client.TokenInfo
	cliJSON(t, &tokens, "tokens", "ls")
	require.Len(t, tokens, 1)
	require.NotContains(t, cliOK(t, "tokens", "ls"), tok, "never a token's value")
	cliOK(t, "tokens", "revoke", string(tokens[0].ID))
	code, _, stderr = run(t, "jobs", "list", "--profile", "ci")
	require.Equal(t, ExitAuthNeeded, code, stderr)

	// spaces audit: the trail of alice's own space names the token she
	// minted (never its value); bob may not read it.
	var trail []audit.Entry
	cliJSON(t, &trail, "spaces", "audit")
	require.NotEmpty(t, trail)
	require.Contains(t, cliOK(t, "spaces", "audit"), "token.minted")
	require.NotContains(t, cliOK(t, "spaces", "audit", "--limit", "0"), tok, "never a token's value")
	code, _, stderr = run(t, "spaces", "audit", "users/"+alice, "--profile", "bob")
	require.NotEqual(t, ExitOK, code, stderr)

	// jobs: a job cancelled before it runs.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main"), 0o644))
	cancelled := strings.TrimSpace(cliOK(t, "jobs", "submit", dir, "--image", "example/build", "--project", pid))
	require.Contains(t, cliOK(t, "jobs", "get", cancelled), "state:")
	require.Contains(t, cliOK(t, "jobs", "list", "--project", pid), cancelled)
	require.Contains(t, cliOK(t, "jobs", "cancel", cancelled), "CANCELLED")
	require.Contains(t, cliOK(t, "jobs", "events", cancelled), "CANCELLED")
	code, _, stderr = run(t, "jobs", "output", cancelled)
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "ended CANCELLED: there is no output and there will be none")
	code, _, stderr = run(t, "jobs", "wait", cancelled)
	require.Equal(t, ExitJobFailed, code, stderr)

	// jobs: one the worker runs, with an attestation.
	w := startWorker(ctx, "--stack", stackFile)
	out := filepath.Join(t.TempDir(), "out.tar")
	var done struct{ ID, State string }
	cliJSON(t, &done, "jobs", "submit", dir, "--image", "example/build", "--attest", "--wait", "--out", out)
	require.Equal(t, "SUCCEEDED", done.State)
	id := done.ID
	require.Equal(t, 0, w.wait(), w.log.String())
	require.Contains(t, cliOK(t, "jobs", "wait", id), id+" SUCCEEDED")
	var tarball strings.Builder
	code = Run(ctx, []string{"jobs", "output", id, "-o", "-"}, &tarball, io.Discard)
	require.Equal(t, ExitOK, code)
	require.Equal(t, "main.go\n", clienttest.TarFiles(t, []byte(tarball.String()))[worker.FilesFile])
	att := filepath.Join(t.TempDir(), "att.json")
	cliOK(t, "jobs", "attestation", id, "-o", att)
	code, _, stderr = run(t, "jobs", "cancel", id)
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "is already final (SUCCEEDED)")

	// A URL of the wrong function is named as such.
	code, _, stderr = run(t, "jobs", "get", id, "--jobs-url", s.Info.Functions["objects"])
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "is valet's objects function, not the jobs function")

	// Leaving and deleting.
	cliOK(t, "projects", "members", "rm", pid, bobID)
	cliOK(t, "projects", "delete", pid, "--force")
	code, _, stderr = run(t, "projects", "get", pid)
	require.Equal(t, ExitNotFound, code, stderr)

	cliOK(t, "version")
	require.Contains(t, cliOK(t, "completion", "bash"), "_valet")
	cliOK(t, "logout")
	code, _, _ = run(t, "spaces", "ls")
	require.Equal(t, ExitAuthNeeded, code)
}

// TestSubmitRunDownload is the local demo end to end, in process: the CLI
// logs in with the dev issuer and submits a directory, the worker claims
// the job once (sealed, single-use bundle) and uploads its output and
// stand-in attestation, and the CLI's --wait downloads the output.
func TestSubmitRunDownload(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := stack.StartTest(ctx, t, "cli", stack.Options{})
	t.Setenv("VALET_STACK", s.WriteTestInfo(t))
	t.Setenv("VALET_TOKEN", "")
	t.Setenv("VALET_CONFIG_DIR", t.TempDir()) // login --dev stores its token there

	var login, loginErr bytes.Buffer
	require.Equal(t, ExitOK, Run(ctx, []string{"login", "--dev", "alice"}, &login, &loginErr), loginErr.String())
	token := strings.TrimSpace(login.String())
	require.NotEmpty(t, token)

	dir := t.TempDir()
	clienttest.WriteTree(t, dir, map[string]string{"main.go": "package main", "data/in.csv": "a,b\n1,2\n"})
	out := filepath.Join(t.TempDir(), "out.tar")

	// The worker runs once, in the background, as the stack's dispatcher.
	w := startWorker(ctx, "--name", "e2e-worker")

	var stdout, stderr bytes.Buffer
	code := Run(ctx, []string{"submit", dir, "--image", "example/build", "--attest", "--wait", "--out", out, "--token", token}, &stdout, &stderr)
	require.Equal(t, ExitOK, code, "stderr:\n%s\nworker:\n%s", stderr.String(), w.log.String())
	require.Equal(t, 0, w.wait(), w.log.String())
	t.Logf("valet submit stderr:\n%s\nworker log:\n%s", stderr.String(), w.log.String())
	id := strings.TrimSpace(stdout.String())
	require.True(t, strings.HasPrefix(id, "j_"), id)
	require.Contains(t, stderr.String(), "upload workspace [####################]")
	require.Contains(t, stderr.String(), "SUCCEEDED")

	got := readTar(t, out)
	require.Equal(t, "data/in.csv\nmain.go\n", got[worker.FilesFile])
	var res worker.Result
	require.NoError(t, json.Unmarshal([]byte(got[worker.ResultFile]), &res))
	require.Equal(t, id, res.Job)
	require.Equal(t, "e2e-worker", res.Worker)

	// The attestation names the output's hash.
	att := filepath.Join(t.TempDir(), "att.json")
	stderr.Reset()
	require.Equal(t, ExitOK, Run(ctx, []string{"jobs", "attestation", id, "-o", att, "--token", token}, io.Discard, &stderr), stderr.String())
	var a worker.Attestation
	b, err := os.ReadFile(att)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &a))
	require.Len(t, a.OutputSHA256, 64)

	// Nothing secret reached the user's terminal or the worker's log.
	for _, text := range []string{stderr.String(), w.log.String()} {
		require.NotContains(t, text, "X-Goog-Signature")
		require.NotContains(t, text, token)
	}

	// The demo's example with --exec: the worker runs the spec's command.
	example := filepath.Join("..", "example")
	stdout.Reset()
	stderr.Reset()
	require.Equal(t, ExitOK, Run(ctx, []string{"submit", example, "--spec", filepath.Join(example, "spec.json"), "--token", token}, &stdout, &stderr), stderr.String())
	execID := strings.TrimSpace(stdout.String())
	require.Contains(t, stderr.String(), "valet jobs wait "+execID)
	w = startWorker(ctx, "--exec")
	require.Equal(t, 0, w.wait(), w.log.String())
	stderr.Reset()
	require.Equal(t, ExitOK, Run(ctx, []string{"wait", execID, "--token", token}, io.Discard, &stderr), stderr.String())
	var tarball bytes.Buffer
	require.Equal(t, ExitOK, Run(ctx, []string{"download", execID, "-o", "-", "--token", token}, &tarball, io.Discard))
	execOut := clienttest.TarFiles(t, tarball.Bytes())
	require.Equal(t, "2 hello.txt\n3 data.csv\n5 total\n", normalizeWC(execOut["counts.txt"]))

	// Someone else gets 404 with advice, exit 3.
	bob, err := s.Issuer.Mint(oidc.TokenRequest{Sub: "bob"})
	require.NoError(t, err)
	stderr.Reset()
	require.Equal(t, ExitNotFound, Run(ctx, []string{"status", id, "--token", bob}, io.Discard, &stderr))
	require.Contains(t, stderr.String(), "not_found (404)")
	require.Contains(t, stderr.String(), "next: check the id")
}

func readTar(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return clienttest.TarFiles(t, b)
}

// normalizeWC squeezes wc's column padding: "  2 a\n" → "2 a\n".
func normalizeWC(s string) string {
	var out strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		out.WriteString(strings.Join(strings.Fields(line), " ") + "\n")
	}
	return out.String()
}
