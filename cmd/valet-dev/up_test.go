package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/gcloud"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/testenv"
	"valet.dev/valet/terraform/policy"
)

// TestUpServesEveryFunctionAndStopsClean runs the real binary as `make dev`
// does: it must start over a stale lock file, write stack.json, answer every
// health route through it, mint dev tokens, print the banner on stdout and
// the request log in requests.log (not on the terminal), refuse a second
// `up` on its directory, and leave no process of its own behind after
// SIGTERM.
func TestUpServesEveryFunctionAndStopsClean(t *testing.T) {
	if testing.Short() {
		testenv.Missing(t, "-short: this test starts the whole stack")
	}
	for _, k := range []gcloud.Kind{gcloud.Firestore, gcloud.PubSub} {
		if err := gcloud.Check(k); err != nil {
			testenv.Missing(t, err.Error())
		}
	}
	dir := t.TempDir()
	bin := valetDev(t)
	// The lock file a valet-dev killed with SIGKILL leaves behind.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lock"), []byte(`{"pid":2147483647,"started":"2026-01-01T00:00:00Z"}`+"\n"), 0o644))

	out, stdout, stderr := &apitest.Logs{}, &apitest.Logs{}, &apitest.Logs{}
	cmd := exec.Command(bin, "up", "-dir", dir)
	cmd.Stdout, cmd.Stderr = io.MultiWriter(out, stdout), io.MultiWriter(out, stderr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })

	infoPath := filepath.Join(dir, "stack.json")
	info := waitForInfo(t, infoPath, exited, out)

	require.ElementsMatch(t, stack.FunctionNames, keys(info.Functions))
	// Public functions answer anyone; private ones only their invokers,
	// through the front door.
	invoker := map[string]string{policy.Dispatchers: info.Dispatchers[0], policy.Scheduler: info.Scheduler, policy.Eventarc: info.Eventarc}
	invokers := policy.LoadInvokers()
	for name, url := range info.Functions {
		token := ""
		if !invokers.Public(name) {
			require.Equal(t, http.StatusForbidden, status(t, url+"/healthz", ""), "%s is private", name)
			email := invoker[invokers[name][0]]
			token = mintToken(t, info.Issuer, fmt.Sprintf(`{"sub":%q,"email":%q,"aud":%q}`, email, email, url))
		}
		var health map[string]string
		getJSON(t, url+"/healthz", token, &health)
		require.Equal(t, map[string]string{"status": "ok", "function": name, "version": "dev"}, health)
	}
	tok := mintToken(t, info.Issuer, `{"sub":"alice","email":"alice@example.com"}`)
	require.Equal(t, 3, len(strings.Split(tok, ".")), "the issuer answers a JWT")
	require.Contains(t, stdout.String(), info.Issuer+"/token", "the banner shows how to mint a token")
	require.Contains(t, stdout.String(), "Open the console: "+info.Functions["console"]+"/", "the banner shows the console's URL")
	requestLog := filepath.Join(dir, requestLogName)
	require.Contains(t, stdout.String(), "Requests are logged in "+requestLog, "the banner says where requests are logged")
	logged, err := os.ReadFile(requestLog)
	require.NoError(t, err)
	require.Contains(t, string(logged), `"requestUrl":"/healthz"`, "the health checks above are in the request log")
	require.NotContains(t, out.String(), `"message":"request"`, "requests stay off the terminal without -v")

	second := exec.Command(bin, "up", "-dir", dir)
	refusal, err := second.CombinedOutput()
	require.Error(t, err, "a second up on the same directory fails")
	require.Contains(t, string(refusal), fmt.Sprintf("already running: valet-dev (pid %d,", cmd.Process.Pid))
	again, err := stack.ReadInfo(infoPath)
	require.NoError(t, err)
	require.Equal(t, info, again, "the second up leaves stack.json alone")

	require.NoError(t, syscall.Kill(cmd.Process.Pid, syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "valet-dev exits 0 on SIGTERM; output:\n%s", out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("valet-dev did not stop within 30s of SIGTERM; output:\n%s", out.String())
	}
	_, err = os.Stat(infoPath)
	require.True(t, os.IsNotExist(err), "stack.json is removed on stop")
	for _, hostPort := range []string{info.Firestore, info.PubSub} {
		require.Empty(t, processesMentioning(t, strings.TrimPrefix(hostPort, "127.0.0.1:")), "an emulator on %s outlived valet-dev", hostPort)
	}
}

func waitForInfo(t *testing.T, path string, exited <-chan error, out *apitest.Logs) stack.Info {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if info, err := stack.ReadInfo(path); err == nil {
			return info
		}
		select {
		case err := <-exited:
			t.Fatalf("valet-dev exited before writing stack.json: %v\n%s", err, out.String())
		case <-deadline:
			t.Fatalf("no stack.json after 60s; output:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// get sends GET url, with token (when set) for a private function's front
// door.
func get(t *testing.T, url, token string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("X-Serverless-Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return resp
}

func status(t *testing.T, url, token string) int {
	t.Helper()
	resp := get(t, url, token)
	resp.Body.Close()
	return resp.StatusCode
}

func getJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	resp := get(t, url, token)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// mintToken asks the dev issuer for an ID token.
func mintToken(t *testing.T, issuer, request string) string {
	t.Helper()
	resp, err := http.Post(issuer+"/token", "application/json", strings.NewReader(request))
	require.NoError(t, err)
	defer resp.Body.Close()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	return tok.IDToken
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// processesMentioning lists the command lines of live processes whose
// arguments mention port (the emulators carry --host-port / --port).
func processesMentioning(t *testing.T, port string) []string {
	t.Helper()
	var found []string
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		line := strings.ReplaceAll(string(b), "\x00", " ")
		if strings.Contains(line, "emulator") && (strings.Contains(line, ":"+port+" ") || strings.Contains(line, "="+port+" ") || strings.HasSuffix(line, ":"+port+" ")) {
			found = append(found, line)
		}
	}
	return found
}
