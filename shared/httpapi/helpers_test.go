package httpapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/logging"
)

// logSink is a logger writing valet's JSON lines to a buffer the test reads.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func newLogSink() (*logSink, *slog.Logger) {
	s := &logSink{}
	return s, logging.New(s, logging.Options{Level: slog.LevelDebug, Masker: logging.NewMasker()})
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// lines decodes every log line.
func (s *logSink) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// withMessage returns the lines whose message is msg.
func (s *logSink) withMessage(t *testing.T, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range s.lines(t) {
		if l["message"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// errorBody decodes an ErrorBody answer, checking its content type.
func errorBody(t *testing.T, rec *httptest.ResponseRecorder) httpapi.ErrorBody {
	t.Helper()
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var body httpapi.ErrorBody
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&body))
	require.NotEmpty(t, body.Error.Code)
	require.NotEmpty(t, body.Error.Message)
	return body
}
