// Package identity says who is calling: a Principal (a user, an allow-listed
// service account or a running job) with its scopes, and the Authenticator
// that turns a request's bearer credential into one by trying the
// verifiers a function accepts. The verifiers of ID tokens live in package
// authn and the job-token verifier in jobtoken, so this package imports no
// Google SDK and the domain packages (access, scope) can depend on it.
// Verifiers fail with apperr.Unauthenticated and a message saying what was
// wrong.
package identity

import "context"

// Kind says what sort of caller a Principal is.
type Kind string

// The kinds of principal.
const (
	User    Kind = "user"    // a person, through an OIDC ID token or a valet API token
	Service Kind = "service" // a Google service account on a function's allow-list
	Job     Kind = "job"     // a running job, through its per-epoch job token
)

// AllScopes is the scope list of a credential that does not narrow its
// owner's rights (an OIDC ID token).
var AllScopes = []string{"all"}

// Principal is who is calling.
type Principal struct {
	Kind   Kind
	ID     string   // stable id: for users derived from issuer and subject
	Email  string   // as asserted by the issuer, may be empty for users
	Scopes []string // sorted; AllScopes unless a token narrows them
	// TokenID is the valet API token's id when the caller used one.
	TokenID string
}

// Verifier checks one kind of bearer credential.
type Verifier interface {
	// Verify returns the principal the raw token proves, or an
	// *apperr.Error with code Unauthenticated.
	Verify(ctx context.Context, rawToken string) (Principal, error)
}
