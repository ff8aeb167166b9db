package tokens

import (
	"net/url"
	"strings"
	"testing"

	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
)

// FuzzTokenRequests sends arbitrary POST /tokens bodies and DELETE
// /tokens/{id} segments through the real handler to the Firestore
// emulator: every answer is a client's (never a 5xx, always JSON; see
// apitest.RequireClientAnswer). Without -fuzz the seeds run as an
// ordinary test.
func FuzzTokenRequests(f *testing.F) {
	e := newEnv(f)
	alice := e.newUser("fuzztokens")
	for _, seed := range []string{
		`{"name":"ci","scopes":["jobs:read"],"expiresInSeconds":3600}`,
		`{"name":"ci","scopes":["objects:write@projects/p-abc"]}`,
		`{"name":"","scopes":[],"expiresInSeconds":-1}`,
		`{"name":"\u202e","scopes":["all","jobs:read"],"expiresInSeconds":1e30}`,
		`{"name":"x","name":"y","Scopes":["all"]}`,
		`{"name":"` + strings.Repeat("n", 2000) + `","scopes":["jobs:read@users/\xff"]}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(seed), string(ids.NewTokenID()))
	}
	f.Add([]byte(`{}`), "\xff")
	f.Add([]byte(`{}`), "__x__")
	f.Add([]byte(`{}`), strings.Repeat("t", 1600))
	f.Fuzz(func(t *testing.T, body []byte, id string) {
		r := apitest.Do(t, e.srv.URL, alice.token, "POST", "/tokens", string(body))
		apitest.RequireClientAnswer(t, r, "POST /tokens")
		path := "/tokens/" + url.PathEscape(id)
		apitest.RequireClientAnswer(t, apitest.Do(t, e.srv.URL, alice.token, "DELETE", path, nil), "DELETE "+path)
	})
}
