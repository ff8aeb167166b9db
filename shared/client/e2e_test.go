package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/cmd/valet-worker/worker"
	"valet.dev/valet/cmd/valet/cli"
	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/client/clienttest"
	"valet.dev/valet/shared/httpapi/apitest"
)

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
	require.Equal(t, cli.ExitOK, cli.Run(ctx, []string{"login", "--dev", "alice"}, &login, &loginErr), loginErr.String())
	token := strings.TrimSpace(login.String())
	require.NotEmpty(t, token)

	dir := t.TempDir()
	for name, body := range map[string]string{"main.go": "package main", "data/in.csv": "a,b\n1,2\n"} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	out := filepath.Join(t.TempDir(), "out.tar")

	// The worker runs once, in the background, as the stack's dispatcher.
	workerLog := &apitest.Logs{}
	workerDone := make(chan int, 1)
	go func() {
		workerDone <- worker.Run(ctx, []string{"--once", "--poll", "100ms", "--name", "e2e-worker"}, io.Discard, workerLog)
	}()

	var stdout, stderr bytes.Buffer
	code := cli.Run(ctx, []string{"submit", dir, "--image", "example/build", "--attest", "--wait", "--out", out, "--token", token}, &stdout, &stderr)
	require.Equal(t, cli.ExitOK, code, "stderr:\n%s\nworker:\n%s", stderr.String(), workerLog.String())
	require.Equal(t, 0, <-workerDone, workerLog.String())
	t.Logf("valet submit stderr:\n%s\nworker log:\n%s", stderr.String(), workerLog.String())
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
	require.Equal(t, cli.ExitOK, cli.Run(ctx, []string{"jobs", "attestation", id, "-o", att, "--token", token}, io.Discard, &stderr), stderr.String())
	var a worker.Attestation
	b, err := os.ReadFile(att)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &a))
	require.Len(t, a.OutputSHA256, 64)

	// Nothing secret reached the user's terminal or the worker's log.
	for _, text := range []string{stderr.String(), workerLog.String()} {
		require.NotContains(t, text, "X-Goog-Signature")
		require.NotContains(t, text, token)
	}

	// The demo's example with --exec: the worker runs the spec's command.
	example := filepath.Join("..", "..", "cmd", "valet", "example")
	stdout.Reset()
	stderr.Reset()
	require.Equal(t, cli.ExitOK, cli.Run(ctx, []string{"submit", example, "--spec", filepath.Join(example, "spec.json"), "--token", token}, &stdout, &stderr), stderr.String())
	execID := strings.TrimSpace(stdout.String())
	require.Contains(t, stderr.String(), "valet jobs wait "+execID)
	workerLog = &apitest.Logs{}
	require.Equal(t, 0, worker.Run(ctx, []string{"--once", "--exec", "--poll", "100ms"}, io.Discard, workerLog), workerLog.String())
	stderr.Reset()
	require.Equal(t, cli.ExitOK, cli.Run(ctx, []string{"wait", execID, "--token", token}, io.Discard, &stderr), stderr.String())
	var tarball bytes.Buffer
	require.Equal(t, cli.ExitOK, cli.Run(ctx, []string{"download", execID, "-o", "-", "--token", token}, &tarball, io.Discard))
	execOut := clienttest.TarFiles(t, tarball.Bytes())
	require.Equal(t, "2 hello.txt\n3 data.csv\n5 total\n", normalizeWC(execOut["counts.txt"]))

	// Someone else gets 404 with advice, exit 3.
	bob, err := s.Issuer.Mint(oidc.TokenRequest{Sub: "bob"})
	require.NoError(t, err)
	stderr.Reset()
	require.Equal(t, cli.ExitNotFound, cli.Run(ctx, []string{"status", id, "--token", bob}, io.Discard, &stderr))
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
