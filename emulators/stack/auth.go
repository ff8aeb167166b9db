package stack

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"google.golang.org/api/idtoken"
	"google.golang.org/api/option"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/shared/identity"
)

// googleCertsURL is where idtoken fetches the keys of Google-signed ID
// tokens; locally it is answered by the dev issuer's JWKS, so the service
// verifier runs the production code path unchanged.
const googleCertsURL = "https://www.googleapis.com/oauth2/v3/certs"

// certsRedirect sends idtoken's key fetches to the dev issuer.
type certsRedirect struct{ jwks *url.URL }

func (c certsRedirect) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.String(), googleCertsURL) {
		r = r.Clone(r.Context())
		r.URL = c.jwks
		r.Host = c.jwks.Host
	}
	return http.DefaultTransport.RoundTrip(r)
}

// UserVerifier verifies user ID tokens of the dev issuer, audience
// Info.Audience, as production verifies those of Keycloak or Google.
func (s *Stack) UserVerifier(ctx context.Context) (*identity.UserVerifier, error) {
	return identity.NewUserVerifier(ctx, identity.UserVerifierOptions{
		Issuers: []identity.IssuerConfig{{URL: s.Info.Issuer, Audiences: []string{s.Info.Audience}, JWKSURL: s.Info.Issuer + oidc.JWKSPath}},
	})
}

// ServiceVerifier verifies service-account ID tokens for the function at
// audience (its URL), accepting only the allowed emails.
func (s *Stack) ServiceVerifier(ctx context.Context, audience string, allowed []string) (*identity.ServiceVerifier, error) {
	jwks, err := url.Parse(s.Info.Issuer + oidc.JWKSPath)
	if err != nil {
		return nil, err
	}
	v, err := idtoken.NewValidator(ctx, option.WithHTTPClient(&http.Client{Transport: certsRedirect{jwks: jwks}}))
	if err != nil {
		return nil, fmt.Errorf("idtoken validator: %w", err)
	}
	return identity.NewServiceVerifier(identity.ServiceVerifierOptions{
		Validator:     v,
		Audience:      audience,
		Issuers:       []string{s.Info.Issuer},
		AllowedEmails: allowed,
	})
}
