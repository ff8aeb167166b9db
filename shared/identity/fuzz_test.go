package identity

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"valet.dev/valet/shared/apperr"
)

// FuzzBearerToken checks that any Authorization header value yields either
// a clean token or an Unauthenticated error, never a panic.
func FuzzBearerToken(f *testing.F) {
	for _, seed := range []string{"", "Bearer", "Bearer ", "Bearer a.b.c", "bearer valet_x", "Basic x", "Bearer a b", "Bearer \x00", " Bearer\tx"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", header)
		token, err := BearerToken(r)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Fatalf("code %q, want unauthenticated", apperr.CodeOf(err))
			}
			if token != "" {
				t.Fatalf("token %q returned with an error", token)
			}
			return
		}
		if token == "" || len(token) > MaxTokenBytes || strings.ContainsAny(token, " \t\r\n") {
			t.Fatalf("bad token %q accepted", token)
		}
	})
}
