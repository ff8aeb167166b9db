package dispatch_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestBundleNeverLogged(t *testing.T) {
	e := newEnv(t)
	logs := &syncBuffer{}
	captureLogs(t, logs)

	q := e.queued(t, t0)
	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
	status, raw := e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	require.Equal(t, http.StatusOK, status, string(raw))
	b := decode[bundle](t, raw)
	secrets := decode[tokenBundle](t, raw)
	require.NotEmpty(t, secrets.JobToken)
	require.NotEmpty(t, secrets.WorkflowToken)
	status, _ = e.call(t, "service:disp2", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	require.Equal(t, http.StatusConflict, status)

	out := logs.String()
	require.Contains(t, out, "/jobs/"+q.ID+"/auth", "the access log was captured")
	for _, u := range []string{b.Workspace.URL, b.Output.URL, b.Attestation.URL} {
		require.NotContains(t, out, sig(t, u))
	}
	require.NotContains(t, out, "X-Goog-Signature")
	for _, token := range []string{secrets.JobToken, secrets.WorkflowToken} {
		for _, part := range strings.Split(token, ".") {
			require.NotContains(t, out, part, "no part of a token reaches the log")
		}
	}
}

// captureLogs sends the default logger to w for the test.
func captureLogs(t *testing.T, w io.Writer) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
}
