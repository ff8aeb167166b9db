package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/httpapi"
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

// record sends h a request without a body and records the answer.
func record(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}
