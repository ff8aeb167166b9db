package objects

import (
	"net/url"
	"strings"
	"testing"

	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
)

// The fuzz targets below send what a client chooses through the real
// handler to the Firestore emulator (and an in-process fake-gcs-server),
// so that odd values reach the stores, not only the parsers: any 5xx, or a
// request that never answers (apitest's client bound fails it), is a
// finding. Without -fuzz they run their seeds as ordinary tests.

// send calls the handler as principal and checks the answer is a client's.
func (e *env) send(t *testing.T, principal, method, path string, body any) {
	t.Helper()
	apitest.RequireClientAnswer(t, apitest.DoAs(t, e.srv.URL, principal, method, path, body), method+" "+path)
}

// FuzzListObjectsQuery sends arbitrary values of every parameter of
// GET /spaces/{space}/objects.
func FuzzListObjectsQuery(f *testing.F) {
	e := newEnv(f, 0)
	alice := unique("alice")
	e.upload(user(alice), "users/"+alice, "docs/a.txt", []byte("a"))
	f.Add("", "", "")
	f.Add("docs/", "0", "")
	f.Add("\xff", "1001", "%ff")
	f.Add("a\u202e", "-1", "eyJuIjoiXHUwMDAwIiwiaSI6IiJ9")
	f.Add(strings.Repeat("p", 1025), "1", "eyJuIjoiZG9jcy9hLnR4dCIsImkiOiJvXyJ9")
	f.Fuzz(func(t *testing.T, prefix, pageSize, pageToken string) {
		q := url.Values{}
		for k, v := range map[string]string{"prefix": prefix, "pageSize": pageSize, "pageToken": pageToken} {
			if v != "" {
				q.Set(k, v)
			}
		}
		e.send(t, user(alice), "GET", "/spaces/users/"+alice+"/objects?"+q.Encode(), nil)
	})
}

// FuzzObjectBodies sends arbitrary JSON bodies to every objects route that
// takes one: creating an object, creating a project, setting a member,
// copying an object.
func FuzzObjectBodies(f *testing.F) {
	e := newEnv(f, 0)
	alice := unique("alice")
	space := "users/" + alice
	ready := e.upload(user(alice), space, "a.txt", []byte("a"))
	pid := e.newProject(alice, nil)
	for _, seed := range []string{
		`{"name":"x.txt","contentType":"text/plain","sizeBytes":1}`,
		`{"name":"\u202ex","contentType":"a/b","sizeBytes":-1,"md5":"x"}`,
		`{"name":"x","name":"y","Name":"z"}`,
		`{"id":"p-abc","displayName":"P"}`, `{"id":"__x__","displayName":"\u0000"}`,
		`{"displayName":"team\u202e"}`, `{"displayName":"\u2067x\u2069"}`, `{"displayName":"\u061c\u200e"}`,
		`{"role":"editor"}`, `{"role":"OWNER"}`,
		`{"space":"projects/` + pid + `","name":"copy"}`, `{"space":"users/\xff"}`,
		`[]`, `null`, ``, "\xff",
	} {
		f.Add([]byte(seed), "bob")
	}
	f.Fuzz(func(t *testing.T, body []byte, member string) {
		raw := string(body)
		e.send(t, user(alice), "POST", "/spaces/"+space+"/objects", raw)
		e.send(t, user(alice), "POST", "/projects", raw)
		e.send(t, user(alice), "PUT", "/projects/"+pid+"/members/"+url.PathEscape(member), raw)
		e.send(t, user(alice), "POST", "/objects/"+string(ready.ID)+"/copy", raw)
	})
}

// FuzzObjectPaths puts arbitrary segments where the objects routes take a
// space, a project, a member or an object id.
func FuzzObjectPaths(f *testing.F) {
	e := newEnv(f, 0)
	alice := unique("alice")
	f.Add("users", alice, string(ids.NewObjectID()))
	f.Add("projects", "p-x", "o_")
	f.Add("\xff", "..", "\xff")
	f.Add("users", "__x__", strings.Repeat("o", 1600))
	f.Fuzz(func(t *testing.T, kind, owner, id string) {
		k, o, i := url.PathEscape(kind), url.PathEscape(owner), url.PathEscape(id)
		p := user(alice)
		e.send(t, p, "GET", "/spaces/"+k+"/"+o+"/objects", nil)
		e.send(t, p, "POST", "/spaces/"+k+"/"+o+"/objects", `{"name":"a","contentType":"text/plain","sizeBytes":1}`)
		e.send(t, p, "GET", "/projects/"+o, nil)
		e.send(t, p, "DELETE", "/projects/"+o+"/members/"+i, nil)
		e.send(t, p, "GET", "/objects/"+i, nil)
		e.send(t, p, "GET", "/objects/"+i+"/download", nil)
		e.send(t, p, "POST", "/objects/"+i+"/revoke", nil)
		e.send(t, p, "DELETE", "/objects/"+i, nil)
	})
}
