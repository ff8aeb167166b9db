package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
)

// TestOpenAPIServed: every function built on Function answers GET
// /openapi.json with its part of the document, without a credential and
// whatever its configuration, like /healthz.
func TestOpenAPIServed(t *testing.T) {
	h := httpapi.Function{Name: "tokens", Options: options{}, Requires: []string{"Store"},
		Routes: map[string]httpapi.Route{"GET /tokens": nil}}.Handler()
	rec := serve(h, httpapi.OpenAPIPath, "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &doc))
	require.Equal(t, "3.1.0", doc.OpenAPI)
	require.Contains(t, doc.Paths, "/tokens")
	require.Contains(t, doc.Paths, "/.well-known/jwks.json")
	require.NotContains(t, doc.Paths, "/jobs", "another function's routes are left out")

	// A function the document does not know answers 500, not an empty document.
	rec = serve(httpapi.Function{Name: "nosuch", Options: options{}, Authenticate: apitest.Authenticate}.Handler(), httpapi.OpenAPIPath, "")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
}
