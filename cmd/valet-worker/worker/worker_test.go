package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/client/clienttest"
	"valet.dev/valet/shared/job"
)

func TestExecGivesTheChildItsTokensAndMasksTheLog(t *testing.T) {
	f := newFakeValet(t, job.View{ID: "j_exec", Spec: map[string]any{"command": []any{"sh", "-c",
		`cat input.txt > "$VALET_OUTPUT_DIR/copy.txt"; echo "$VALET_JOB_TOKEN $VALET_RUNTIME_TOKEN $DW_WORKFLOW_TOKEN" > "$VALET_OUTPUT_DIR/env.txt"; echo "leak $DW_WORKFLOW_TOKEN"; env | grep -c VALET_WORKER_TOKEN || true`}}},
		workspaceTar(t, map[string]string{"input.txt": "hello"}))
	t.Setenv("VALET_WORKER_TOKEN", "the-worker-credential")
	var log bytes.Buffer
	require.NoError(t, f.worker(true, &log).Loop(context.Background()))

	states, uploads := f.snapshot()
	require.Equal(t, []string{"RUNNING"}, states)
	out := clienttest.TarFiles(t, uploads["out"])
	require.Equal(t, "hello", out["copy.txt"])
	require.Equal(t, "job-token-secret runtime-token-secret workflow-token-secret\n", out["env.txt"], "the child gets the tokens")
	require.Equal(t, "leak [MASKED]\n0\n", out[LogFile], "tokens masked; the worker's own credential is not inherited")
	var res Result
	require.NoError(t, json.Unmarshal([]byte(out[ResultFile]), &res))
	require.Equal(t, 0, *res.ExitCode)
	require.NotContains(t, uploads, "att", "no attestation unless required")
	for _, secret := range []string{"job-token-secret", "runtime-token-secret", "workflow-token-secret", "sig", "svc-token"} {
		require.NotContains(t, log.String(), secret)
	}
}

func TestReferenceRunWithAttestation(t *testing.T) {
	f := newFakeValet(t, job.View{ID: "j_ref", RequireAttestation: true, Spec: map[string]any{"image": "x"}},
		workspaceTar(t, map[string]string{"b.txt": "b", "a/c.txt": "c"}))
	require.NoError(t, f.worker(false, io.Discard).Loop(context.Background()))
	_, uploads := f.snapshot()
	out := clienttest.TarFiles(t, uploads["out"])
	require.Equal(t, "a/c.txt\nb.txt\n", out[FilesFile])
	var att Attestation
	require.NoError(t, json.Unmarshal(uploads["att"], &att))
	require.Equal(t, "test-worker", att.Worker)
	require.Equal(t, sha256Hex(uploads["out"]), att.OutputSHA256)
	require.Contains(t, att.Note, "stand-in")
}

func TestFailingCommandReportsFailed(t *testing.T) {
	f := newFakeValet(t, job.View{ID: "j_fail", Spec: map[string]any{"command": []any{"sh", "-c", `echo "boom $VALET_JOB_TOKEN" >&2; exit 3`}}},
		workspaceTar(t, map[string]string{"x": "x"}))
	require.NoError(t, f.worker(true, io.Discard).Loop(context.Background()))
	states, uploads := f.snapshot()
	require.Equal(t, []string{"RUNNING", `FAILED: command "sh" failed: exit status 3; last output: boom [MASKED]`}, states)
	require.Empty(t, uploads, "no output for a failed job")
}

func TestBadSpecReportsFailed(t *testing.T) {
	f := newFakeValet(t, job.View{ID: "j_bad", Spec: map[string]any{"command": "make"}}, workspaceTar(t, map[string]string{"x": "x"}))
	require.NoError(t, f.worker(true, io.Discard).Loop(context.Background()))
	states, _ := f.snapshot()
	require.Len(t, states, 2)
	require.Contains(t, states[1], `FAILED: the spec has no "command"`)
}

func TestStopHandsTheJobBack(t *testing.T) {
	f := newFakeValet(t, job.View{ID: "j_stop", Spec: map[string]any{"command": []any{"sleep", "30"}}}, workspaceTar(t, map[string]string{"x": "x"}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.worker(true, io.Discard).Loop(ctx) }()
	<-f.running
	time.Sleep(100 * time.Millisecond) // let the child start
	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not stop")
	}
	states, uploads := f.snapshot()
	require.Equal(t, []string{"RUNNING", "QUEUED: the worker stopped before the job finished"}, states)
	require.Empty(t, uploads)
}

func TestCommandSpec(t *testing.T) {
	for name, tc := range map[string]struct {
		spec map[string]any
		want []string
		err  string
	}{
		"list":       {map[string]any{"command": []any{"make", "test"}}, []string{"make", "test"}, ""},
		"missing":    {map[string]any{}, nil, "no \"command\""},
		"string":     {map[string]any{"command": "make test"}, nil, "no \"command\""},
		"empty":      {map[string]any{"command": []any{}}, nil, "no \"command\""},
		"non-string": {map[string]any{"command": []any{"make", 1.0}}, nil, "item 1"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := command(tc.spec)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestRunUsage(t *testing.T) {
	var stderr bytes.Buffer
	require.Equal(t, 2, Run(context.Background(), []string{"--lease", "5s"}, io.Discard, &stderr))
	require.Contains(t, stderr.String(), "--lease must be between 30s and 1h")
	require.Equal(t, 2, Run(context.Background(), []string{"extra"}, io.Discard, &stderr))
	t.Setenv("VALET_STACK", filepath.Join(t.TempDir(), "none.json"))
	stderr.Reset()
	require.Equal(t, 1, Run(context.Background(), nil, io.Discard, &stderr))
	require.Contains(t, stderr.String(), "make dev")
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestExecGivesTheChildTheSpecEnv: the spec's env reaches the command;
// names of valet's own variables cannot override them.
func TestExecGivesTheChildTheSpecEnv(t *testing.T) {
	f := newFakeValet(t, job.View{ID: "j_env", Spec: map[string]any{
		"command": []any{"sh", "-c", `echo "$GREETING $VALET_JOB_ID $DW_WORKFLOW_TOKEN" > "$VALET_OUTPUT_DIR/env.txt"`},
		"env":     map[string]any{"GREETING": "hello", "VALET_JOB_ID": "j_other", "DW_WORKFLOW_TOKEN": "forged"},
	}}, workspaceTar(t, map[string]string{"x": "x"}))
	require.NoError(t, f.worker(true, io.Discard).Loop(context.Background()))
	_, uploads := f.snapshot()
	out := clienttest.TarFiles(t, uploads["out"])
	require.Equal(t, "hello j_env workflow-token-secret\n", out["env.txt"])
}

// TestReadmeDemoProducesItsCounts runs the README's demo job (the CLI's
// example directory and spec.json) as `valet-worker --once --exec` does:
// its output holds the counts.txt the spec's command writes. Without
// --exec the worker makes a reference run, which lists the workspace.
func TestReadmeDemoProducesItsCounts(t *testing.T) {
	example := filepath.Join("..", "..", "valet", "example")
	raw, err := os.ReadFile(filepath.Join(example, "spec.json"))
	require.NoError(t, err)
	var spec map[string]any
	require.NoError(t, json.Unmarshal(raw, &spec))
	require.NoError(t, job.CheckSpec(spec))
	files := map[string]string{}
	for _, name := range []string{"hello.txt", "data.csv"} {
		b, err := os.ReadFile(filepath.Join(example, name))
		require.NoError(t, err)
		files[name] = string(b)
	}
	f := newFakeValet(t, job.View{ID: "j_demo", Spec: spec}, workspaceTar(t, files))
	require.NoError(t, f.worker(true, io.Discard).Loop(context.Background()))
	_, uploads := f.snapshot()
	out := clienttest.TarFiles(t, uploads["out"])
	require.Regexp(t, `^\s*2 hello.txt\n\s*3 data.csv\n\s*5 total\n$`, out["counts.txt"])
}
