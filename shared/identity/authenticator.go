package identity

import (
	"context"
	"net/http"
	"strings"
)

// APITokenPrefix starts every valet API token; JWTs never start with it.
const APITokenPrefix = "valet_"

// Authenticator turns a request's bearer credential into a Principal. A
// function sets the verifiers it accepts; nil ones refuse their kind of
// credential.
type Authenticator struct {
	// Jobs verifies per-epoch job tokens (a *jobtoken.Verifier). It is
	// tried first and answers Foreign for tokens that are not job tokens.
	Jobs Verifier
	// Users verifies OIDC ID tokens of users (a *UserVerifier).
	Users Verifier
	// Services verifies Google ID tokens of allow-listed service accounts
	// (a *ServiceVerifier).
	Services Verifier
	// APITokens verifies valet API tokens (those starting with
	// APITokenPrefix).
	APITokens Verifier
}

// Authenticate reads "Authorization: Bearer <token>" and verifies the
// token: a valet API token with APITokens, any other token with Jobs,
// Services and then Users, whichever are set; the first to accept it wins. When all
// refuse, the error of one that recognised the token's issuer and audience
// is returned, so the caller learns what was wrong with it.
//
// Errors are *apperr.Error with code Unauthenticated (or Unavailable when
// an issuer cannot be discovered).
func (a *Authenticator) Authenticate(r *http.Request) (Principal, error) {
	token, err := BearerToken(r)
	if err != nil {
		return Principal{}, err
	}
	return a.Verify(r.Context(), token)
}

// Verify checks a bare token as Authenticate checks a bearer one; the jobs
// function uses it for the runtime token a job is submitted with.
func (a *Authenticator) Verify(ctx context.Context, token string) (Principal, error) {
	if strings.HasPrefix(token, APITokenPrefix) {
		if a.APITokens == nil {
			return Principal{}, unauthenticated("valet API tokens are not accepted here; send an ID token")
		}
		return a.APITokens.Verify(ctx, token)
	}
	var verifiers []Verifier
	for _, v := range []Verifier{a.Jobs, a.Services, a.Users} {
		if v != nil {
			verifiers = append(verifiers, v)
		}
	}
	if len(verifiers) == 0 {
		return Principal{}, unauthenticated("ID tokens are not accepted here; send a valet API token")
	}
	var firstErr, ownErr error
	for _, v := range verifiers {
		p, err := v.Verify(ctx, token)
		if err == nil {
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ownErr == nil && !isForeign(err) {
			ownErr = err
		}
	}
	if ownErr != nil {
		return Principal{}, ownErr
	}
	if len(verifiers) == 1 {
		return Principal{}, firstErr
	}
	return Principal{}, unauthenticated("token is meant for another service: no accepted issuer and audience match it")
}

// BearerToken returns the token of the request's single
// "Authorization: Bearer <token>" header (the scheme is case-insensitive).
// A missing header, another scheme, an empty, over-long or space-containing
// token is an Unauthenticated error saying what to send; the token itself is
// never part of an error.
func BearerToken(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", unauthenticated("missing credentials: send the header \"Authorization: Bearer <token>\"")
	case 1:
	default:
		return "", unauthenticated("several Authorization headers: send exactly one \"Authorization: Bearer <token>\"")
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", unauthenticated("wrong Authorization scheme: send \"Authorization: Bearer <token>\"")
	}
	token = strings.TrimSpace(token)
	if !ok || token == "" {
		return "", unauthenticated("empty bearer token: send \"Authorization: Bearer <token>\"")
	}
	if len(token) > MaxTokenBytes {
		return "", unauthenticated("bearer token is longer than %d bytes", MaxTokenBytes)
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", unauthenticated("bearer token contains spaces or control characters: send \"Authorization: Bearer <token>\"")
	}
	return token, nil
}
