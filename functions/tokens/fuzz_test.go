package tokens

import (
	"net/url"
	"strings"
	"testing"

	"valet.dev/valet/shared/ids"
)

// FuzzTokenRequests sends arbitrary POST /tokens bodies, DELETE
// /tokens/{id} segments and bearer credentials (which the API token store
// looks up) through the real handler to the Firestore emulator: every
// answer is a client's (never a 5xx, always JSON; see
// apitest.Caller.Probe). Without -fuzz the seeds run as an
// ordinary test.
func FuzzTokenRequests(f *testing.F) {
	e := newEnv(f)
	alice := e.newUser("fuzztokens")
	for _, seed := range []string{
		`{"name":"ci","scopes":["jobs:read"],"expiresInSeconds":3600}`,
		`{"name":"ci","scopes":["objects:write@projects/p-abc"]}`,
		`{"name":"","scopes":[],"expiresInSeconds":-1}`,
		`{"name":"\u202e","scopes":["all","jobs:read"],"expiresInSeconds":1e30}`,
		`{"name":"ci\u2066prod\u2069","scopes":["jobs:read"]}`, `{"name":"ci\u061c","scopes":["jobs:read"]}`,
		`{"name":"\u200fci\u2028","scopes":["jobs:read"]}`,
		`{"name":"x","name":"y","Scopes":["all"]}`,
		`{"name":"` + strings.Repeat("n", 2000) + `","scopes":["jobs:read@users/\xff"]}`,
		`[]`, `null`, ``,
	} {
		f.Add([]byte(seed), string(ids.NewTokenID()), "")
	}
	f.Add([]byte(`{}`), "\xff", "valet_\xff")
	f.Add([]byte(`{}`), "__x__", "valet_abcdefgh_"+strings.Repeat("A", 43))
	f.Add([]byte(`{}`), strings.Repeat("t", 1600), "eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, body []byte, id, credential string) {
		if credential != "" && strings.ContainsFunc(credential, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return // not a header value a client can send
		}
		if credential != "" {
			user{Token: credential}.Probe(t, e.URL, "GET", "/tokens", nil)
		}
		alice.Probe(t, e.URL, "POST", "/tokens", string(body))
		alice.Probe(t, e.URL, "DELETE", "/tokens/"+url.PathEscape(id), nil)
	})
}
