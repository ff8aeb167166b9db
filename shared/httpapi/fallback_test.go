package httpapi_test

import (
	"context"
	"errors"
	"net/http"
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

	for name, tc := range map[string]struct {
		method, path string
		status       int
		code         apperr.Code
		message      string
	}{
		"unknown path":                     {"GET", "/nowhere", http.StatusNotFound, apperr.NotFound, "no such route: GET /nowhere"},
		"wrong method":                     {"DELETE", "/jobs", http.StatusMethodNotAllowed, apperr.MethodNotAllowed, "method DELETE is not allowed here; allowed: POST"},
		"handler's own 404 passes through": {"GET", "/jobs/j_1", http.StatusNotFound, apperr.NotFound, "job j_1 not found"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := record(h, tc.method, tc.path)
			requireError(t, rec, tc.status, tc.code, tc.message)
			if tc.status == http.StatusMethodNotAllowed {
				require.Equal(t, "POST", rec.Header().Get("Allow"))
			}
		})
	}
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
	rec := record(http.HandlerFunc(httpapi.NotFound), "GET", "/x?secret=1")
	requireError(t, rec, http.StatusNotFound, apperr.NotFound, "no such route: GET /x")
}

func TestLazyAnswersJSONWhenBuildFails(t *testing.T) {
	h := httpapi.Lazy("test", func(context.Context) (http.Handler, error) { return nil, errors.New("no config") })
	for range 2 {
		rec := record(h, "GET", "/")
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.Equal(t, apperr.Unavailable, errorBody(t, rec).Error.Code)
	}
}
