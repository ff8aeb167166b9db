package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"valet.dev/valet/shared/logging"
)

// requestLogName is the file under the stack's directory that gets every
// log line of the stack, one JSON object per line.
const requestLogName = "requests.log"

// newDevLogger returns the stack's logger: every line (the per-request
// access log included) goes to dir/requests.log; the terminal gets warnings
// and errors only, or every line too when verbose (-v). Both go through
// shared/logging, so both are masked.
func newDevLogger(dir string, terminal io.Writer, verbose bool) (*slog.Logger, *os.File, error) {
	f, err := os.Create(filepath.Join(dir, requestLogName))
	if err != nil {
		return nil, nil, err
	}
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewMultiHandler(
		logging.NewHandler(f, logging.Options{}),
		logging.NewHandler(terminal, logging.Options{Level: level}),
	)), f, nil
}
