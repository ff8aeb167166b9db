package tokens

import (
	"net/http"
	"testing"
)

// BenchmarkAPITokenRequest is an authenticated GET /tokens with a valet API
// token: the token's verification against the Firestore emulator, then the
// listing, through the real handler over HTTP (newEnv). Read it as a ratio
// to the floors (docs/benchmarks.md).
func BenchmarkAPITokenRequest(b *testing.B) {
	e := newEnv(b)
	alice := e.newUser("bench-token")
	c := e.token(alice, "bench", "all")
	apiUser := user{ID: alice.ID, Token: c.Token}
	for b.Loop() {
		if r := e.Do(apiUser, http.MethodGet, "/tokens", nil); r.Status != http.StatusOK {
			b.Fatalf("GET /tokens with an API token answered %d: %s", r.Status, r.Body)
		}
	}
}
