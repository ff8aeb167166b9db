package authn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"valet.dev/valet/shared/identity"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

// requestWith is a request carrying each of headers as Authorization.
func requestWith(headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, h := range headers {
		r.Header.Add("Authorization", h)
	}
	return r
}

// TestAuthenticatorEndToEnd runs real verifiers: a Google-signed service
// token and a user token reach the right one, and a bad user token gets the
// user verifier's explanation.
func TestAuthenticatorEndToEnd(t *testing.T) {
	f := newUserFixture(t)
	users, err := NewUserVerifier(context.Background(), UserVerifierOptions{
		Issuers: []IssuerConfig{
			{URL: f.issuer, Audiences: []string{testAudience}, JWKSURL: strings.TrimSuffix(f.issuer, "/realm") + "/jwks"},
			{URL: GoogleIssuer, Audiences: []string{"client.apps.googleusercontent.com"}, JWKSURL: strings.TrimSuffix(f.issuer, "/realm") + "/jwks"},
		},
	})
	require.NoError(t, err)
	auth := identity.Authenticator{Users: users, Services: newTestServiceVerifier(t, newLocalValidator(t))}
	now := time.Now()
	userClaims := map[string]any{"iss": f.issuer, "sub": "alice", "aud": testAudience, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	googleUser := map[string]any{"iss": GoogleIssuer, "sub": "42", "aud": "client.apps.googleusercontent.com", "email": "a@gmail.com", "email_verified": true, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}

	p, err := auth.Authenticate(requestWith("Bearer " + mintRS256(t, serviceClaims())))
	require.NoError(t, err)
	require.Equal(t, identity.Principal{Kind: identity.Service, ID: dispatcherMail, Email: dispatcherMail, Scopes: identity.AllScopes}, p)

	p, err = auth.Authenticate(requestWith("Bearer " + mintRS256(t, userClaims)))
	require.NoError(t, err)
	require.Equal(t, identity.Principal{Kind: identity.User, ID: identity.UserID(f.issuer, "alice"), Scopes: identity.AllScopes}, p)

	p, err = auth.Authenticate(requestWith("Bearer " + mintRS256(t, googleUser)))
	require.NoError(t, err)
	require.Equal(t, identity.Principal{Kind: identity.User, ID: identity.UserID(GoogleIssuer, "42"), Email: "a@gmail.com", Scopes: identity.AllScopes}, p)

	expiredToken := mintRS256(t, with(userClaims, map[string]any{"exp": now.Add(-time.Hour).Unix()}))
	_, err = auth.Authenticate(requestWith("Bearer " + expiredToken))
	requireUnauthenticated(t, err, "expired", expiredToken)

	intruder := mintRS256(t, with(serviceClaims(), map[string]any{"email": "intruder@x.iam.gserviceaccount.com"}))
	_, err = auth.Authenticate(requestWith("Bearer " + intruder))
	requireUnauthenticated(t, err, "allow-list", intruder)

	_, err = auth.Authenticate(requestWith("Bearer valet_0123456789abcdef"))
	require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
}
