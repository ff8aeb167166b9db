package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSecondUpRefusesWhileTheFirstRuns: while a valet-dev holds a
// directory, a second `valet-dev up` on it exits 1 with a message naming
// the holder and how to stop it, and touches none of the first one's files.
func TestSecondUpRefusesWhileTheFirstRuns(t *testing.T) {
	bin := valetDev(t)
	dir := t.TempDir()
	lock, err := lockDir(dir)
	require.NoError(t, err)
	defer lock.Close()
	files := map[string]string{"stack.json": `{"issuer":"http://127.0.0.1:1"}`, "emulators.log": "first\n", requestLogName: "first\n"}
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}

	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "up", "-dir", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "valet-dev must fail: %v\n%s", err, stderr.String())
	require.Equal(t, 1, exit.ExitCode())
	pid := os.Getpid()
	require.Contains(t, stderr.String(), fmt.Sprintf("already running: valet-dev (pid %d,", pid))
	require.Contains(t, stderr.String(), fmt.Sprintf("kill %d", pid))
	require.Contains(t, stderr.String(), "-dir DIR")
	require.Empty(t, stdout.String())
	for name, content := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		require.Equal(t, content, string(b), "%s of the running stack is untouched", name)
	}
}

// TestLockOfAKilledValetDevDoesNotBlock: a valet-dev killed with SIGKILL
// leaves its lock file behind, and the next start takes the lock anyway.
func TestLockOfAKilledValetDevDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	holder := exec.Command(os.Args[0], "-test.run=^$")
	holder.Env = append(os.Environ(), holdLockEnv+"="+dir)
	out, err := holder.StdoutPipe()
	require.NoError(t, err)
	holder.Stderr = os.Stderr
	require.NoError(t, holder.Start())
	t.Cleanup(func() { _ = holder.Process.Kill() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "held\n", line)

	_, err = lockDir(dir)
	require.ErrorContains(t, err, fmt.Sprintf("pid %d", holder.Process.Pid), "the holder is named")

	require.NoError(t, holder.Process.Kill())
	_ = holder.Wait()
	b, err := os.ReadFile(filepath.Join(dir, "lock"))
	require.NoError(t, err)
	require.Contains(t, string(b), fmt.Sprintf(`"pid":%d`, holder.Process.Pid), "the killed holder's lock file is still there")

	lock, err := lockDir(dir)
	require.NoError(t, err, "a stale lock file does not block a new start")
	defer lock.Close()
	b, err = os.ReadFile(filepath.Join(dir, "lock"))
	require.NoError(t, err)
	require.Contains(t, string(b), fmt.Sprintf(`"pid":%d`, os.Getpid()))
}
