package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/testenv"
)

// TestMakeHelpListsTheTargets: `make help` prints every documented target
// of the Makefile with its description.
func TestMakeHelpListsTheTargets(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		testenv.Missing(t, "make is not installed")
	}
	out, err := exec.Command("make", "-s", "-C", "../..", "help").Output()
	require.NoError(t, err)
	for _, target := range []string{"dev", "test", "help", "tools", "unit", "bench", "fuzz", "deploy"} {
		require.Regexp(t, `(?m)^  make `+target+` +\S`, string(out), "make help lists %s", target)
	}
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		require.True(t, strings.HasPrefix(line, "  make "), "unexpected line %q", line)
	}
}
