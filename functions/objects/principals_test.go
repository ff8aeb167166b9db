package objects

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/signer"
)

// concrete turns a route pattern into a method, a path and a body that
// would pass decoding.
func concrete(pattern string) (method, path string, body any) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.NewReplacer(
		"{project}", "proj-x", "{user}", "someone", "{kind}/{owner}", "users/someone",
		"{id}", string(ids.NewObjectID()),
	).Replace(path)
	if method == "POST" || method == "PUT" {
		body = map[string]any{}
	}
	return method, path, body
}

func TestEveryRouteAnswersWithoutConfiguration(t *testing.T) {
	srv := httptest.NewServer(New(Options{}))
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv}
	for _, pattern := range testedRoutes {
		method, path, body := concrete(pattern)
		e.call(user("alice"), method, path, body).RequireError(t, http.StatusServiceUnavailable, apperr.Unavailable, "")
	}
	require.Equal(t, http.StatusOK, e.call("", "GET", "/healthz", nil).Status, "health needs no configuration")
}

func TestEveryRouteNeedsAUserOrJob(t *testing.T) {
	e := newEnv(t, 0)
	for _, pattern := range testedRoutes {
		method, path, body := concrete(pattern)
		t.Run(pattern, func(t *testing.T) {
			e.call("", method, path, body).RequireError(t, http.StatusUnauthorized, apperr.Unauthenticated, "")
			e.call("service:dispatcher", method, path, body).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
		})
	}
}

func TestJobsActAsTheirUser(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	space := "users/" + alice
	o := e.upload(user(alice), space, "in.txt", []byte("input"))
	reader := "job:" + alice + ":objects:read"
	writer := "job:" + alice + ":objects:write@" + space

	var list objectsAnswer
	e.call(reader, "GET", "/spaces/"+space+"/objects", nil).Decode(t, http.StatusOK, &list)
	require.Len(t, list.Objects, 1)
	var dl signer.Link
	e.call(reader, "GET", "/objects/"+string(o.ID)+"/download", nil).Decode(t, http.StatusOK, &dl)
	require.Equal(t, http.StatusOK, e.call(reader, "GET", "/spaces", nil).Status)

	body := map[string]any{"name": "out.txt", "contentType": "text/plain", "sizeBytes": 1}
	e.call(reader, "POST", "/spaces/"+space+"/objects", body).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "scope")
	e.call(reader, "DELETE", "/objects/"+string(o.ID), nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	var out createAnswer
	e.call(writer, "POST", "/spaces/"+space+"/objects", body).Decode(t, http.StatusCreated, &out)
	require.Equal(t, alice, string(out.Object.CreatedBy))

	e.call("job:"+alice+":all", "POST", "/projects", map[string]any{"id": unique("p"), "displayName": "by a job"}).
		RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call("job:"+unique("bob")+":all", "GET", "/objects/"+string(o.ID), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}

func TestScopesOnlyNarrow(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	pid := e.newProject(alice, nil)
	o := e.upload(user(alice), "users/"+alice, "x", []byte("x"))

	elsewhere := "user:" + alice + ":objects:write@projects/" + pid
	e.call(elsewhere, "GET", "/objects/"+string(o.ID), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	var m project.Member
	e.call(elsewhere, "PUT", "/projects/"+pid+"/members/"+unique("bob"), map[string]any{"role": "viewer"}).Decode(t, http.StatusOK, &m)
	readOnly := "user:" + alice + ":objects:read"
	e.call(readOnly, "PUT", "/projects/"+pid+"/members/"+unique("bob"), map[string]any{"role": "viewer"}).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call(readOnly, "POST", "/projects", map[string]any{"displayName": "x"}).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
}

func TestSignedURLsNeverReachTheLogs(t *testing.T) {
	logs := apitest.CaptureLogs(t)
	e := newEnv(t, 0)
	alice := unique("alice")
	space := "users/" + alice
	created := e.createObject(user(alice), space, "l.txt", []byte("log"))
	o := e.arrive(created.Object.ID, []byte("log"))
	var dl signer.Link
	e.call(user(alice), "GET", "/objects/"+string(o.ID)+"/download", nil).Decode(t, http.StatusOK, &dl)
	e.call(user(alice), "POST", "/objects/"+string(o.ID)+"/revoke", nil)

	out := logs.String()
	require.Contains(t, out, "/objects/"+o.ID+"/download", "the access log was captured")
	for _, raw := range []string{created.Upload.URL, dl.URL} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		sig := u.Query().Get("X-Goog-Signature")
		require.NotEmpty(t, sig)
		require.NotContains(t, out, sig)
	}
	require.NotContains(t, out, "X-Goog-Signature")
}
