package apitest

import (
	"net/http"
	"strings"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
)

// PrincipalHeader names the caller in tests that are not about
// authentication: "service:<id>" or "user:<id>".
const PrincipalHeader = "X-Test-Principal"

// Authenticate is an Authenticate option for such tests: it trusts
// PrincipalHeader and gives the principal every scope. Never wire it
// outside tests.
func Authenticate(r *http.Request) (identity.Principal, error) {
	kind, id, ok := strings.Cut(r.Header.Get(PrincipalHeader), ":")
	if !ok || id == "" {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "no test principal")
	}
	return identity.Principal{Kind: identity.Kind(kind), ID: id, Email: id + "@example.com", Scopes: identity.AllScopes}, nil
}
