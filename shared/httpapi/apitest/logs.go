package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/audit"
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

// Bench prepares a function's test environment for t when t is a
// benchmark: logs discarded (DiscardLogs) and allocations reported. For a
// test or a fuzz target it does nothing. The functions' test environments
// call it, so their benchmarks need no setup of their own.
func Bench(t testing.TB) {
	if b, ok := t.(*testing.B); ok {
		DiscardLogs(b)
		b.ReportAllocs()
	}
}

// TestLog returns a writer of log lines (an audit.Writer's Out, say) into
// t's log: shown with -v or when t fails, beside the test's own lines,
// instead of on stdout. Lines written once t has ended are dropped (a
// handler still running must not log into a finished test), and so is
// every line of a benchmark, whose log is printed whatever -v says, among
// the lines scripts/benchreport parses, and of a fuzz target, whose F may
// not log once its inputs run.
func TestLog(t testing.TB) io.Writer {
	w := &testLog{t: t}
	switch t.(type) {
	case *testing.B, *testing.F:
		w.done = true
	}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return w
}

// Audit returns an audit writer whose lines go to t's log (TestLog), for
// a function under test: a nil writer would print them on stdout.
func Audit(t testing.TB) *audit.Writer {
	return audit.New(audit.Options{Out: TestLog(t)})
}

type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

// JSONLines decodes text as one JSON object per line, failing t on a line
// that is not one.
func JSONLines(t testing.TB, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// SignatureOf returns the X-Goog-Signature of a signed URL, failing t when
// it has none.
func SignatureOf(t testing.TB, signed string) string {
	t.Helper()
	u, err := url.Parse(signed)
	require.NoError(t, err)
	sig := u.Query().Get("X-Goog-Signature")
	require.NotEmpty(t, sig, "not a signed URL: %s", signed)
	return sig
}
