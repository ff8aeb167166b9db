// Package jobtoken mints and verifies the job token: the credential a job's
// dispatcher gets with each claim, valid only while the job is leased at the
// epoch it was minted for, so a requeue or a final state revokes it at once.
//
// # Token
//
// A JWT signed through workflow.KeyStore.Sign (ES256, kid = key version)
// with header typ "valet-job+jwt". Claims: iss (the configured issuer, e.g.
// the dispatch URL), aud "valet", sub (the job's runtime user), job (the job
// id), epoch (the lock's epoch), scope (the runtime scopes, sorted), iat,
// exp (the job's deadline) and jti (128 random bits).
//
// # Errors
//
// Mint returns Invalid for a job that is not leased, has no epoch, no
// runtime user or a deadline in the past. Verify returns an
// identity.Foreign error for tokens of another type or issuer, and
// Unauthenticated with the reason for bad, expired or stale job tokens; a
// token never appears in an error.
package jobtoken
