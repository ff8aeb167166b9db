// Package custody keeps a job's secrets (its runtime token and its workflow
// token) in Secret Manager, one secret per job and kind, and destroys them
// when the job is final.
//
// # Secrets
//
// The secret of job J and kind K is "valet-job-J-K" (see SecretID), labelled
// app=valet, job=J, kind=K, with expire_time set to the job's deadline (or
// later: never less than MinLifetime ahead, since Secret Manager refuses an
// expiration under 60 s away), so Secret Manager deletes it even if valet
// never scrubs. Its value
// is version 1: a secret's first value wins, later writes leave it, and
// readers always read version "1", never "latest", so concurrent writers
// agree on one value. A version added by a losing writer is destroyed at
// once.
//
// Every value read or written is registered with logging.RegisterSecret:
// masked in every later line of the request that read or wrote it, or, for
// work outside a request, of the process (logging.DefaultMasker, bounded).
//
// # Errors
//
// Errors are *apperr.Error: Invalid for a malformed job id, unknown kind or
// empty value; NotFound when the secret or its value is
// absent, destroyed or deleted; Unavailable when Secret Manager cannot be
// reached (retry later); Internal otherwise. Values never appear in errors.
package custody
