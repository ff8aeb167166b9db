package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/httpapi/apitest"
)

// TestDevLoggerKeepsRequestsOffTheTerminal: info lines (the access log)
// go to the request log only, warnings to both; -v puts every line on the
// terminal too.
func TestDevLoggerKeepsRequestsOffTheTerminal(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		dir := t.TempDir()
		terminal := &apitest.Logs{}
		logger, f, err := newDevLogger(dir, terminal, verbose)
		require.NoError(t, err)
		logger.Info("request", "requestUrl", "/jobs/healthz")
		logger.Warn("scheduled sweep failed")
		require.NoError(t, f.Close())
		file, err := os.ReadFile(filepath.Join(dir, requestLogName))
		require.NoError(t, err)
		require.Contains(t, string(file), `"message":"request"`)
		require.Contains(t, string(file), `"message":"scheduled sweep failed"`)
		require.Contains(t, terminal.String(), `"message":"scheduled sweep failed"`, "warnings reach the terminal")
		if verbose {
			require.Contains(t, terminal.String(), `"message":"request"`, "-v shows requests")
		} else {
			require.NotContains(t, terminal.String(), `"message":"request"`, "requests stay off the terminal")
		}
	}
}
