package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/job"
)

// Files the worker writes into a job's output.
const (
	ResultFile = "result.json" // what ran and how it ended
	FilesFile  = "files.txt"   // reference run: the workspace's files, one per line
	LogFile    = "log.txt"     // --exec: the command's stdout and stderr, tokens masked
)

// maxLog bounds the captured output of a command.
const maxLog = 8 << 20

// Result is result.json.
type Result struct {
	Job      string   `json:"job"`
	Worker   string   `json:"worker"`
	Mode     string   `json:"mode"` // "reference" or "exec"
	Files    []string `json:"files,omitempty"`
	Command  []string `json:"command,omitempty"`
	ExitCode *int     `json:"exitCode,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// reference is the run without --exec: the output lists the workspace.
func reference(j job.View, worker string, files []string, outDir string) error {
	list := strings.Join(files, "\n")
	if list != "" {
		list += "\n"
	}
	if err := os.WriteFile(filepath.Join(outDir, FilesFile), []byte(list), 0o644); err != nil {
		return err
	}
	return writeResult(outDir, Result{
		Job: j.ID, Worker: worker, Mode: "reference", Files: files,
		Note: "reference run: the worker was started without --exec, so the spec's command was not run",
	})
}

func writeResult(outDir string, r Result) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outDir, ResultFile), append(b, '\n'), 0o644)
}

// command reads the spec's "command": a non-empty list of strings.
func command(spec map[string]any) ([]string, error) {
	raw, ok := spec["command"].([]any)
	if !ok || len(raw) == 0 {
		return nil, errors.New(`the spec has no "command": give a non-empty list of strings, e.g. ["make", "test"]`)
	}
	args := make([]string, len(raw))
	for i, a := range raw {
		s, ok := a.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf(`spec "command" item %d is not a non-empty string`, i)
		}
		args[i] = s
	}
	return args, nil
}

// execute runs the spec's command in the workspace with the job's tokens
// in its environment (and nothing else of the worker's: not its own
// credential). Its output goes to log.txt with the tokens masked.
func (w *Worker) execute(ctx context.Context, j job.View, b client.Bundle, workspace, outDir string) error {
	args, err := command(j.Spec)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = workspace
	cmd.Env = childEnv(j, b, workspace, outDir, w.opts.JobsURL)
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	log := mask(out.Bytes(), []string{b.JobToken, b.RuntimeToken, b.WorkflowToken})
	if err := os.WriteFile(filepath.Join(outDir, LogFile), log, 0o644); err != nil {
		return err
	}
	res := Result{Job: j.ID, Worker: w.opts.Name, Mode: "exec", Command: args}
	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
		res.ExitCode = new(int)
	case errors.As(runErr, &exitErr):
		code := exitErr.ExitCode()
		res.ExitCode = &code
	}
	if err := writeResult(outDir, res); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if runErr != nil {
		return fmt.Errorf("command %q failed: %v; last output: %s", args[0], runErr, tail(log, 300))
	}
	return nil
}

// childEnv is the command's whole environment: a minimal PATH and HOME, the
// job's directories, and its tokens.
func childEnv(j job.View, b client.Bundle, workspace, outDir, jobsURL string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + workspace,
		"TMPDIR=" + os.TempDir(),
		"VALET_JOB_ID=" + j.ID,
		"VALET_WORKSPACE=" + workspace,
		"VALET_OUTPUT_DIR=" + outDir,
		"VALET_JOB_TOKEN=" + b.JobToken,
		"DW_WORKFLOW_TOKEN=" + b.WorkflowToken,
	}
	if b.RuntimeToken != "" {
		env = append(env, "VALET_RUNTIME_TOKEN="+b.RuntimeToken)
	}
	if jobsURL != "" {
		env = append(env, "VALET_JOBS_URL="+jobsURL)
	}
	return append(specEnv(j.Spec), env...)
}

// specEnv is the spec's "env" as NAME=value entries, sorted; names of
// valet's own variables (VALET_*, DW_*), which the job spec schema refuses
// at submit, are dropped here too, and valet's entries come after these in
// the child's environment.
func specEnv(spec map[string]any) []string {
	vars, _ := spec["env"].(map[string]any)
	var out []string
	for name, v := range vars {
		s, ok := v.(string)
		if !ok || strings.HasPrefix(name, "VALET_") || strings.HasPrefix(name, "DW_") || strings.ContainsAny(name, "=\x00") {
			continue
		}
		out = append(out, name+"="+s)
	}
	slices.Sort(out)
	return out
}

// mask replaces every non-empty secret in b.
func mask(b []byte, secrets []string) []byte {
	for _, s := range secrets {
		if s != "" {
			b = bytes.ReplaceAll(b, []byte(s), []byte("[MASKED]"))
		}
	}
	return b
}

// tail is the last n bytes of b as one line.
func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	s := strings.Join(strings.Fields(string(bytes.ToValidUTF8(b, nil))), " ")
	if s == "" {
		return "(none)"
	}
	return s
}

// limitedBuffer keeps the first maxLog bytes written and drops the rest.
type limitedBuffer struct{ bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxLog - l.Len(); room > 0 {
		l.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// Attestation is the stand-in attestation the reference worker uploads when
// a job requires one. It is NOT a TEE report and proves nothing: a real
// executor uploads its hardware's signed report here.
type Attestation struct {
	Worker       string `json:"worker"`
	OutputSHA256 string `json:"sha256"`
	Note         string `json:"note"`
}

// uploadResults tars outDir and uploads it, with an attestation first when
// the job requires one (valet marks the job SUCCEEDED once both are in).
func (w *Worker) uploadResults(ctx context.Context, j job.View, b client.Bundle, outDir string) error {
	tb, err := client.WriteTarball(func(wr io.Writer) error { return client.TarDir(outDir, wr) })
	if err != nil {
		return fmt.Errorf("archive the output: %w", err)
	}
	defer tb.Remove()
	if j.RequireAttestation {
		sum, err := fileSHA256(tb.Path)
		if err != nil {
			return err
		}
		att, _ := json.Marshal(Attestation{Worker: w.opts.Name, OutputSHA256: sum,
			Note: "stand-in for a TEE attestation report from valet's reference worker; it attests nothing"})
		if err := client.Upload(ctx, b.Attestation, bytes.NewReader(att), int64(len(att)), nil); err != nil {
			return fmt.Errorf("upload the attestation: %w", err)
		}
	}
	f, err := tb.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	if err := client.Upload(ctx, b.Output, f, tb.SizeBytes, nil); err != nil {
		return fmt.Errorf("upload the output: %w", err)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
