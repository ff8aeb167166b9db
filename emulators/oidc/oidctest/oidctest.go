// Package oidctest gives tests of user-facing functions a dev OIDC issuer on
// httptest, the production user verifier pointed at it, and users with
// subjects unique to the test.
package oidctest

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
)

// Issuer is a running dev issuer whose tokens carry Audience.
type Issuer struct {
	*oidc.Issuer
	URL      string
	Audience string
	// Users verifies the issuer's ID tokens as production verifies users.
	Users *authn.UserVerifier
}

// Start serves a dev issuer for the test's lifetime.
func Start(t testing.TB, audience string) *Issuer {
	t.Helper()
	iss, err := oidc.New(oidc.Options{DefaultAudience: audience})
	require.NoError(t, err)
	srv := httptest.NewServer(iss)
	t.Cleanup(srv.Close)
	iss.SetIssuer(srv.URL)
	users, err := authn.NewUserVerifier(context.Background(), authn.UserVerifierOptions{
		Issuers: []authn.IssuerConfig{{URL: srv.URL, Audiences: []string{audience}, JWKSURL: srv.URL + oidc.JWKSPath}},
	})
	require.NoError(t, err)
	return &Issuer{Issuer: iss, URL: srv.URL, Audience: audience, Users: users}
}

// NewUser mints a token for a subject made unique from name, and returns
// the caller: the user id valet derives for it, with the token.
func (i *Issuer) NewUser(t testing.TB, name string) apitest.Caller {
	t.Helper()
	sub := name + "-" + strings.ToLower(rand.Text()[:8])
	token, err := i.Mint(oidc.TokenRequest{Sub: sub})
	require.NoError(t, err)
	return apitest.Caller{ID: identity.UserID(i.URL, oidc.AccountID(sub)), Token: token}
}
