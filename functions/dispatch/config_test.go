package dispatch_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/dispatch"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi/apitest"
)

func TestUnconfiguredAnswers503(t *testing.T) {
	h := dispatch.New(dispatch.Options{Authenticate: apitest.Authenticate})
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/claim"},
		{http.MethodGet, "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa/auth?epoch=1"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(tc.method, tc.path, nil)
		req.Header.Set(apitest.PrincipalHeader, "service:disp1")
		h.ServeHTTP(rec, req)
		requireError(t, http.StatusServiceUnavailable, apperr.Unavailable, rec.Code, rec.Body.Bytes())
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	require.Equal(t, http.StatusOK, rec.Code)
}
