package apitest

import (
	"net/http"
	"strings"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
)

// PrincipalHeader names the caller in tests that are not about
// authentication: "<kind>:<id>" ("service:<id>", "user:<id>", "job:<id>"),
// or "<kind>:<id>:<scope>,<scope>..." for a principal narrowed to those
// scopes.
const PrincipalHeader = "X-Test-Principal"

// Authenticate is an Authenticate option for such tests: it trusts
// PrincipalHeader and gives the principal the scopes it names, every scope
// when it names none. Never wire it outside tests.
func Authenticate(r *http.Request) (identity.Principal, error) {
	kind, rest, ok := strings.Cut(r.Header.Get(PrincipalHeader), ":")
	id, scopes, _ := strings.Cut(rest, ":")
	if !ok || id == "" {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "no test principal")
	}
	p := identity.Principal{Kind: identity.Kind(kind), ID: id, Email: id + "@example.com", Scopes: identity.AllScopes}
	if scopes != "" {
		p.Scopes = strings.Split(scopes, ",")
	}
	return p, nil
}
