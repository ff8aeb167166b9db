package jobs

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// specBody is a create request whose spec is the JSON text spec.
func specBody(spec string) string {
	return `{"spec":` + spec + `,"workspace":{"sizeBytes":1}}`
}

// TestCreateRefusesSpecKeysFirestoreCannotStore: a key, or the keys
// leading to a value, longer than Firestore's 1,500-byte field path used
// to reach the write and answer 500; they are 400 now, naming the limit,
// and the longest path that fits is stored.
func TestCreateRefusesSpecKeysFirestoreCannotStore(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("speckeys")
	key := func(n int) string { return strings.Repeat("k", n) }
	for _, spec := range []string{
		`{"` + key(1500) + `":1}`,
		`{"` + key(1496) + `":1}`, // "spec." + 1496 bytes
		`{"a":{"` + key(1494) + `":1}}`,
		`{"a":[{"` + key(1494) + `":1}]}`,         // arrays add no segment
		`{"` + strings.Repeat(".", 1494) + `":1}`, // quoted: two backticks more
	} {
		r := e.Do(alice, "POST", "/jobs", specBody(spec))
		r.RequireError(t, http.StatusBadRequest, "", "field path longer than 1500 bytes")
	}
	// Keys just within Firestore's limit pass parseSpec; the job spec
	// schema then refuses them (no such field), still a 400, never a 500.
	for _, spec := range []string{
		`{"` + key(1495) + `":1}`,
		`{"a":{"` + key(1493) + `":1}}`,
		`{"a":[{"` + key(1493) + `":1}]}`,
		`{"` + strings.Repeat(".", 1493) + `":"` + strings.Repeat("v", 20000) + `"}`,
	} {
		_, _, err := parseSpec([]byte(spec))
		require.NoError(t, err)
		msg := e.Do(alice, "POST", "/jobs", specBody(spec)).RequireError(t, http.StatusBadRequest, "", "spec: additional properties")
		require.Less(t, len(msg.Message), 600, "the message does not echo a key whole")
	}
}

// TestListRefusesForgedPageTokens: a page token is the store's cursor;
// one whose time Firestore cannot represent used to reach the query, which
// the client retried until the caller gave up. Every forged cursor is a
// 400 at once.
func TestListRefusesForgedPageTokens(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("forged")
	id := e.createJob(alice, nil).Job.ID
	for _, c := range []string{
		`{"c":"0000-01-01T00:00:00Z","i":"` + id + `"}`,
		`{"c":"2026-01-01T00:00:00Z","i":"` + strings.Repeat("x", 700) + `"}`,
		`{"c":"2026-01-01T00:00:00Z","i":""}`,
		`{"c":"x"}`, `[]`, `"1"`,
	} {
		token := base64.RawURLEncoding.EncodeToString([]byte(c))
		e.Do(alice, "GET", "/jobs?pageToken="+token, nil).RequireError(t, http.StatusBadRequest, "", "pageToken is not valid")
	}
	for _, token := range []string{"%FF", "a.b", base64.RawURLEncoding.EncodeToString([]byte(`"-1"`))} {
		e.Do(alice, "GET", "/jobs/"+id+"/events?pageToken="+token, nil).RequireError(t, http.StatusBadRequest, "", "pageToken is not valid")
	}
}
