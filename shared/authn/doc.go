// Package authn verifies the ID tokens valet accepts: OIDC ID tokens of
// users from configured issuers (UserVerifier, keys fetched from each
// issuer's JWKS) and Google-signed ID tokens of allow-listed service
// accounts (ServiceVerifier, including the tokens whose signature Cloud
// Run's front door removed). Each returns an identity.Principal or an
// apperr.Unauthenticated error; a token of another issuer or audience gets
// identity.Foreign so the identity.Authenticator can try the next verifier.
package authn
