// Package frontdoor reproduces, for the local stack, what Cloud Run does in
// front of a deployed function before the function sees a request:
//
//   - A public service (roles/run.invoker granted to allUsers) gets every
//     request untouched.
//   - A private service needs an ID token: the one in
//     X-Serverless-Authorization when that header is present, else the one
//     in Authorization (Cloud Run, "Authenticating service-to-service":
//     https://cloud.google.com/run/docs/authenticating/service-to-service).
//     A request without a token is refused with 403, a token that does not
//     verify (signature, issuer, expiry, audience = the service's URL) with
//     401, a caller who does not hold the invoker role with 403 (Cloud Run
//     troubleshooting, 401 and 403:
//     https://cloud.google.com/run/docs/troubleshooting). The function never
//     runs for a refused request.
//   - The request is passed on with the checked token's signature replaced
//     by SIGNATURE_REMOVED_BY_GOOGLE (same page, "signature-removed"), so
//     the service cannot verify or replay it; the other header is left as
//     sent.
//
// The door verifies tokens with its own code (go-oidc against the dev
// issuer's keys, which stand for Google's), not with the functions'
// verifiers, so one bug cannot open both layers.
package frontdoor

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"valet.dev/valet/shared/identity"
)

// Policy is one service's invoker binding.
type Policy struct {
	// Public is allUsers holding roles/run.invoker: requests pass untouched.
	Public bool
	// Invokers are the emails holding roles/run.invoker, compared
	// case-insensitively.
	Invokers []string
	// Audience is the service's URL, the aud its callers' tokens carry.
	Audience string
}

// Door checks ID tokens of one issuer (locally: the dev issuer, standing
// for Google).
type Door struct {
	verifier *oidc.IDTokenVerifier
}

// New returns a door that accepts RS256 ID tokens of issuer signed by keys.
// The audience is checked per service by Guard.
func New(issuer string, keys oidc.KeySet) *Door {
	return &Door{verifier: oidc.NewVerifier(issuer, keys, &oidc.Config{
		SkipClientIDCheck:    true,
		SupportedSigningAlgs: []string{oidc.RS256},
	})}
}

// Guard puts the door with policy p in front of next.
func (d *Door) Guard(p Policy, next http.Handler) http.Handler {
	if p.Public {
		return next
	}
	invokers := make(map[string]bool, len(p.Invokers))
	for _, e := range p.Invokers {
		invokers[strings.ToLower(e)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		header := identity.ServerlessAuthorization
		if len(r.Header.Values(header)) == 0 {
			header = "Authorization"
		}
		values := r.Header.Values(header)
		if len(values) == 0 {
			refuse(w, r, http.StatusForbidden, "no ID token in X-Serverless-Authorization or Authorization")
			return
		}
		email, token, err := d.check(r.Context(), values, p.Audience)
		if err != nil {
			refuse(w, r, http.StatusUnauthorized, err.Error())
			return
		}
		if !invokers[email] {
			refuse(w, r, http.StatusForbidden, email+" does not hold roles/run.invoker on this service")
			return
		}
		r = r.Clone(r.Context())
		r.Header.Set(header, "Bearer "+token[:strings.LastIndexByte(token, '.')+1]+identity.StrippedSignature)
		next.ServeHTTP(w, r)
	})
}

// check verifies the single bearer token in values for audience and
// returns the caller's verified email and the token.
func (d *Door) check(ctx context.Context, values []string, audience string) (email, token string, err error) {
	if len(values) != 1 {
		return "", "", fmt.Errorf("several credential headers")
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", "", fmt.Errorf("the credential is not \"Bearer <ID token>\"")
	}
	id, err := d.verifier.Verify(ctx, token)
	if err != nil {
		return "", "", fmt.Errorf("the ID token does not verify: %v", err)
	}
	if !slices.Contains(id.Audience, audience) {
		return "", "", fmt.Errorf("the ID token's audience is not this service's URL %s", audience)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := id.Claims(&claims); err != nil || claims.Email == "" || !claims.EmailVerified {
		return "", "", fmt.Errorf("the ID token carries no verified email")
	}
	return strings.ToLower(claims.Email), token, nil
}

// refuse answers as Cloud Run's front end does (a short text body, not the
// function's JSON), with the reason added for local debugging.
func refuse(w http.ResponseWriter, r *http.Request, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if status == http.StatusUnauthorized {
		fmt.Fprintf(w, "Error: Unauthorized\nThe request was not authorized to invoke this service. (local front door: %s)\n", reason)
		return
	}
	fmt.Fprintf(w, "Error: Forbidden\nYour client does not have permission to get URL %s from this server. (local front door: %s)\n", r.URL.Path, reason)
}
