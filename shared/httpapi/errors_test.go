package httpapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
)

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

// requireError asserts rec is an ErrorBody answer with status, code and
// message.
func requireError(t *testing.T, rec *httptest.ResponseRecorder, status int, code apperr.Code, message string) {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	body := errorBody(t, rec)
	require.Equal(t, code, body.Error.Code)
	require.Equal(t, message, body.Error.Message)
}

func TestWriteErrorMapsEveryCode(t *testing.T) {
	cause := errors.New("firestore: backend detail with secret-ish text")
	cases := []struct {
		err      error
		status   int
		code     apperr.Code
		message  string
		severity string
	}{
		{apperr.E(apperr.Invalid, "bad"), 400, apperr.Invalid, "bad", "INFO"},
		{apperr.E(apperr.Unauthenticated, "who"), 401, apperr.Unauthenticated, "who", "WARNING"},
		{apperr.E(apperr.PermissionDenied, "no"), 403, apperr.PermissionDenied, "no", "WARNING"},
		{apperr.E(apperr.NotFound, "gone?"), 404, apperr.NotFound, "gone?", "INFO"},
		{apperr.E(apperr.MethodNotAllowed, "verb"), 405, apperr.MethodNotAllowed, "verb", "INFO"},
		{apperr.Wrap(cause, apperr.Conflict, "stale"), 409, apperr.Conflict, "stale", "INFO"},
		{apperr.E(apperr.Gone, "final"), 410, apperr.Gone, "final", "INFO"},
		{apperr.E(apperr.TooLarge, "big"), 413, apperr.TooLarge, "big", "INFO"},
		{apperr.E(apperr.UnsupportedMedia, "type"), 415, apperr.UnsupportedMedia, "type", "INFO"},
		{apperr.E(apperr.ResourceExhausted, "slow down"), 429, apperr.ResourceExhausted, "slow down", "WARNING"},
		{apperr.Wrap(cause, apperr.Internal, "broke"), 500, apperr.Internal, "broke", "ERROR"},
		{apperr.Wrap(cause, apperr.Unavailable, "down"), 503, apperr.Unavailable, "down", "ERROR"},
		{cause, 500, apperr.Internal, "internal error; retry later, and report it if it persists", "ERROR"},
		{fmt.Errorf("context: %w", apperr.E(apperr.NotFound, "wrapped")), 404, apperr.NotFound, "wrapped", "INFO"},
		{apperr.E("made_up", "unknown code"), 500, apperr.Internal, "internal error; retry later, and report it if it persists", "ERROR"},
	}
	for _, c := range cases {
		t.Run(string(c.code)+"/"+c.message, func(t *testing.T) {
			sink, logger := newLogSink()
			r := request("POST", "/jobs?X-Goog-Signature=abc")
			r = r.WithContext(httpapi.WithLogger(r.Context(), logger))
			rec := httptest.NewRecorder()
			httpapi.WriteError(rec, r, c.err)

			requireError(t, rec, c.status, c.code, c.message)
			require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))

			lines := sink.withMessage(t, "request failed")
			require.Len(t, lines, 1)
			require.Equal(t, c.severity, lines[0]["severity"])
			require.Equal(t, string(c.code), lines[0]["code"])
			require.Equal(t, float64(c.status), lines[0]["status"])
			require.Equal(t, "/jobs", lines[0]["path"])
			if errors.Is(c.err, cause) {
				require.Equal(t, cause.Error(), lines[0]["cause"], "the cause goes to the log")
			}
		})
	}
}

func TestWriteErrorNeverShowsTheCause(t *testing.T) {
	rec := httptest.NewRecorder()
	cause := errors.New("rpc error: permission denied on projects/secret-project")
	httpapi.WriteError(rec, request("GET", "/"), apperr.Wrap(cause, apperr.Unavailable, "storage is down"))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.NotContains(t, rec.Body.String(), "secret-project")
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	httpapi.WriteJSON(rec, http.StatusCreated, map[string]string{"id": "j_1"})
	require.Equal(t, http.StatusCreated, rec.Code)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.JSONEq(t, `{"id":"j_1"}`, rec.Body.String())

	rec = httptest.NewRecorder()
	httpapi.WriteJSON(rec, http.StatusOK, map[string]any{"bad": make(chan int)})
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Equal(t, apperr.Internal, errorBody(t, rec).Error.Code)

	rec = httptest.NewRecorder()
	httpapi.WriteJSON(rec, http.StatusNoContent, nil)
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Zero(t, rec.Body.Len())
}
