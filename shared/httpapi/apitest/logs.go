package apitest

import (
	"bytes"
	"io"
	"log/slog"
	"sync"
	"testing"

	"valet.dev/valet/shared/logging"
)

// Logs is a log sink safe for a server's goroutines.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// CaptureLogs sends the default logger, as JSON at debug level, to a new
// Logs for the rest of the test.
func CaptureLogs(t testing.TB) *Logs {
	logs := &Logs{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return logs
}

// DiscardLogs sends the default logger through the production logger
// (masking included) to io.Discard for the rest of the test or benchmark:
// logging costs what it costs without flooding the output.
func DiscardLogs(t testing.TB) {
	prev := slog.Default()
	slog.SetDefault(logging.New(io.Discard, logging.Options{}))
	t.Cleanup(func() { slog.SetDefault(prev) })
}
