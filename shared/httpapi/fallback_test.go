package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
)

func TestJSONFallback(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /jobs", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusCreated, map[string]string{"ok": "yes"})
	})
	mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, apperr.E(apperr.NotFound, "job %s not found", r.PathValue("id")))
	})
	mux.HandleFunc("GET /text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("plain"))
	})
	h := httpapi.JSONFallback(mux)

	t.Run("unknown path", func(t *testing.T) {
		rec := record(h, "GET", "/nowhere")
		require.Equal(t, http.StatusNotFound, rec.Code)
		body := errorBody(t, rec)
		require.Equal(t, apperr.NotFound, body.Error.Code)
		require.Equal(t, "no such route: GET /nowhere", body.Error.Message)
	})
	t.Run("wrong method", func(t *testing.T) {
		rec := record(h, "DELETE", "/jobs")
		require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
		require.Equal(t, "POST", rec.Header().Get("Allow"))
		body := errorBody(t, rec)
		require.Equal(t, apperr.MethodNotAllowed, body.Error.Code)
		require.Equal(t, "method DELETE is not allowed here; allowed: POST", body.Error.Message)
	})
	t.Run("handler's own 404 passes through", func(t *testing.T) {
		rec := record(h, "GET", "/jobs/j_1")
		require.Equal(t, http.StatusNotFound, rec.Code)
		require.Equal(t, "job j_1 not found", errorBody(t, rec).Error.Message)
	})
	t.Run("success passes through", func(t *testing.T) {
		rec := record(h, "POST", "/jobs")
		require.Equal(t, http.StatusCreated, rec.Code)
		require.JSONEq(t, `{"ok":"yes"}`, rec.Body.String())

		rec = record(h, "GET", "/text")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, "plain", rec.Body.String())
	})
}

func TestNotFound(t *testing.T) {
	rec := httptest.NewRecorder()
	httpapi.NotFound(rec, httptest.NewRequest("GET", "/x?secret=1", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "no such route: GET /x", errorBody(t, rec).Error.Message)
}

func TestLazyAnswersJSONWhenBuildFails(t *testing.T) {
	h := httpapi.Lazy("test", func(context.Context) (http.Handler, error) { return nil, errors.New("no config") })
	for range 2 {
		rec := record(h, "GET", "/")
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.Equal(t, apperr.Unavailable, errorBody(t, rec).Error.Code)
	}
}
