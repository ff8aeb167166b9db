package authn

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"google.golang.org/api/idtoken"
	"google.golang.org/api/option"
)

// GoogleCertsURL is where idtoken fetches the keys of RS256 Google-signed
// ID tokens (googleSACertsURL in google.golang.org/api/idtoken/validate.go);
// the answer is a JWKS ({"keys": [{kid, n, e, ...}]}).
const GoogleCertsURL = "https://www.googleapis.com/oauth2/v3/certs"

// NewValidator returns the idtoken.Validator that NewServiceVerifier
// takes. With jwksURL empty it fetches Google's keys. Otherwise it fetches
// from jwksURL what it would fetch from GoogleCertsURL and refuses every
// other fetch, so the production checks run unchanged against a local
// key set (the local stack's dev issuer, tests) and never reach Google.
func NewValidator(ctx context.Context, jwksURL string) (*idtoken.Validator, error) {
	if jwksURL == "" {
		return idtoken.NewValidator(ctx)
	}
	jwks, err := url.Parse(jwksURL)
	if err != nil {
		return nil, fmt.Errorf("authn: JWKS URL: %w", err)
	}
	return idtoken.NewValidator(ctx, option.WithHTTPClient(&http.Client{Transport: certsRedirect{jwks: jwks}}))
}

// certsRedirect sends requests for GoogleCertsURL to jwks and refuses the
// rest.
type certsRedirect struct{ jwks *url.URL }

func (c certsRedirect) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.String() != GoogleCertsURL {
		return nil, &url.Error{Op: r.Method, URL: r.URL.String(), Err: http.ErrNotSupported}
	}
	r = r.Clone(r.Context())
	r.URL, r.Host = c.jwks, c.jwks.Host
	return http.DefaultTransport.RoundTrip(r)
}
