// Package jobtoken mints and verifies the tokens a job carries, both JWTs
// signed with valet's signing keys (Keys; secretmanager.SigningKeys in
// production):
//
//   - the job token: the credential a job's dispatcher gets with each claim,
//     valid only while the job is leased at the epoch it was minted for, so
//     a requeue or a final state revokes it at once (Issuer mints it,
//     Verifier checks it);
//   - the workflow token (the job sees it as DW_WORKFLOW_TOKEN), minted once
//     a job is queued by WorkflowMinter and kept by package custody;
//     whoever receives it verifies it against the JWKS the tokens function
//     serves.
//
// # Job token
//
// A JWT signed through Keys.Sign (ES256, kid = key version)
// with header typ "valet-job+jwt". Claims: iss (the configured issuer, e.g.
// the dispatch URL), aud "valet", sub (the job's runtime user), job (the job
// id), epoch (the lock's epoch), scope (the runtime scopes, sorted), iat,
// exp (the job's deadline) and jti (128 random bits).
//
// # Workflow token
//
// Header: alg ES256, kid, typ JWT. Claims: iss, sub, aud (a single string),
// job (the job id), iat, exp (the job's deadline), jti (128 random bits,
// base64url). Tokens and key material never appear in error messages.
//
// # Errors
//
// Issuer.Mint returns Invalid for a job that is not leased, has no epoch, no
// runtime user or a deadline in the past. Verify returns an
// identity.Foreign error for tokens of another type or issuer, and
// Unauthenticated with the reason for bad, expired or stale job tokens; a
// token never appears in an error.
package jobtoken
