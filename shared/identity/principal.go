// Package identity turns a bearer credential into a Principal: OIDC ID tokens
// of users from configured issuers, Google-signed ID tokens of allow-listed
// service accounts, and valet API tokens. Verifiers fail with
// apperr.Unauthenticated and a message saying what was wrong.
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
