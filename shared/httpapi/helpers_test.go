package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/logging"
)

// logSink holds valet's JSON log lines for the test to read.
type logSink struct{ apitest.Logs }

// newLogSink returns a sink and a valet logger (masking included) writing
// to it at debug level.
func newLogSink() (*logSink, *slog.Logger) {
	s := &logSink{}
	return s, logging.New(s, logging.Options{Level: slog.LevelDebug, Masker: logging.NewMasker()})
}

// withMessage returns the lines whose message is msg.
func (s *logSink) withMessage(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range apitest.JSONLines(t, s.String()) {
		if l["message"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// request is a request without a body carrying header's key/value pairs.
func request(method, target string, header ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

// record sends h a request without a body, with header's key/value pairs,
// and records the answer.
func record(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, request(method, target, header...))
	return rec
}

// decodeRequest is a POST of body sent as contentType ("" sends no
// Content-Type).
func decodeRequest(contentType string, body io.Reader) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/jobs", body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}
