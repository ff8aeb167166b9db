package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
)

// options stands for a function's Options.
type options struct {
	Store        *struct{}
	Bucket       string
	Authenticate func(*http.Request) (identity.Principal, error)
}

func skeleton(o options) http.Handler {
	ok := func(w http.ResponseWriter, r *http.Request) error {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
		return nil
	}
	return httpapi.Function{
		Name: "demo", Options: o, Requires: []string{"Store", "Bucket"},
		Authenticate: o.Authenticate,
		Allow:        httpapi.Only(identity.User, "users only"),
		Routes:       map[string]httpapi.Route{"GET /things": ok},
		Public:       map[string]httpapi.Route{"GET /public": ok},
	}.Handler()
}

// serve sends h a GET of path as principal ("" for anonymous).
func serve(h http.Handler, path, principal string) *httptest.ResponseRecorder {
	return record(h, http.MethodGet, path, apitest.PrincipalHeader, principal)
}

// TestFunctionNotConfigured: every function answers a missing dependency
// the same way, 503 with one wording, health and public routes still up,
// the missing option named in the log only.
func TestFunctionNotConfigured(t *testing.T) {
	for name, o := range map[string]options{
		"Store":        {Bucket: "b", Authenticate: apitest.Authenticate},
		"Bucket":       {Store: &struct{}{}, Authenticate: apitest.Authenticate},
		"Authenticate": {Store: &struct{}{}, Bucket: "b"},
	} {
		t.Run(name, func(t *testing.T) {
			require.EqualError(t, httpapi.Function{Name: "demo", Options: o, Requires: []string{"Store", "Bucket"},
				Authenticate: o.Authenticate, Routes: map[string]httpapi.Route{"GET /x": nil}}.Missing(),
				"demo: Options."+name+" is not set")
			h := skeleton(o)
			requireError(t, serve(h, "/things", "user:alice"), http.StatusServiceUnavailable, apperr.Unavailable,
				"the demo function is not configured; operators: see the logs") // the missing option is not named
			require.Equal(t, http.StatusOK, serve(h, httpapi.HealthPath, "").Code)
			require.Equal(t, http.StatusOK, serve(h, "/public", "").Code)
		})
	}
}

func TestFunctionConfigured(t *testing.T) {
	h := skeleton(options{Store: &struct{}{}, Bucket: "b", Authenticate: apitest.Authenticate})
	require.Equal(t, http.StatusOK, serve(h, "/things", "user:alice").Code)
	require.Equal(t, http.StatusUnauthorized, serve(h, "/things", "").Code)
	rec := serve(h, "/things", "service:disp")
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Equal(t, "users only", errorBody(t, rec).Error.Message)
	require.Equal(t, http.StatusNotFound, serve(h, "/nope", "user:alice").Code)

	// Without Browser a request's Origin is not looked at; with it, an
	// origin not allowed is refused.
	fromElsewhere := []string{apitest.PrincipalHeader, "user:alice", "Origin", "https://elsewhere.example"}
	require.Equal(t, http.StatusOK, record(h, http.MethodGet, "/things", fromElsewhere...).Code)
	browser := httpapi.Function{Name: "demo", Authenticate: apitest.Authenticate, Browser: true,
		Routes: map[string]httpapi.Route{"GET /things": func(http.ResponseWriter, *http.Request) error { return nil }}}.Handler()
	require.Equal(t, http.StatusForbidden, record(browser, http.MethodGet, "/things", fromElsewhere...).Code)
}

// TestMissingNamesUnknownFields: a Requires name that is not a field of
// Options is a configuration error, not a route served without it.
func TestMissingNamesUnknownFields(t *testing.T) {
	require.EqualError(t, httpapi.Missing("demo", options{}, "Nope"), "demo: Options has no field Nope")
	require.EqualError(t, httpapi.Missing("demo", nil, "Store"), "demo: Options is not a struct")
	require.NoError(t, httpapi.Missing("demo", &options{Store: &struct{}{}}, "Store"))
}

// TestRouteErrorIsAnswered: the error a Route returns is answered as
// WriteError answers it, public routes' too.
func TestRouteErrorIsAnswered(t *testing.T) {
	notFound := func(w http.ResponseWriter, r *http.Request) error {
		return apperr.E(apperr.NotFound, "thing %s not found", r.PathValue("id"))
	}
	h := httpapi.Function{Name: "demo", Authenticate: apitest.Authenticate,
		Routes: map[string]httpapi.Route{"GET /things/{id}": notFound},
		Public: map[string]httpapi.Route{"GET /public/{id}": notFound}}.Handler()
	for _, path := range []string{"/things/t1", "/public/t1"} {
		rec := serve(h, path, "user:alice")
		require.Equal(t, http.StatusNotFound, rec.Code, path)
		require.Equal(t, "thing t1 not found", errorBody(t, rec).Error.Message, path)
	}
}
