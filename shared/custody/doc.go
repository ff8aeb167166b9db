// Package custody is secret custody: it keeps a job's secrets (its runtime
// token, kept at submission, and its workflow token, minted once the job is
// queued) in Secret Manager and destroys them when the job is final.
//
// # Scrubbing
//
// Every function that moves a job to a final state (finalize on success,
// dispatch on a reported failure, jobs on cancel, sweep on expiry and
// deadlines) calls AfterFinal right after its transition commits. A failure
// is logged and left to the sweep: the job keeps SecretsHeld, so it stays on
// the sweep's work list (job.Store.Due) until a Scrub succeeds.
//
// # Layout
//
// A job created now (job.SecretsPerJob) has one secret, "valet-job-J" (see
// JobSecretID), labelled app=valet and job=J. Its runtime token, when the
// job was submitted with one (job.HasRuntimeToken), is version 1, stored at
// submission; its workflow token, minted once the job is queued, is the
// next version (2, or 1 without a runtime token). Each version's payload is
// a small JSON object naming its kind beside its value,
// {"kind":"runtime","value":"..."}, and a reader checks the kind, so one
// token is never handed out as the other. Over its life such a job costs at
// most four Secret Manager write requests (CreateSecret, AddSecretVersion
// twice, DeleteSecret) and three without a runtime token, against Google's
// default of 600 write requests a minute per project ("Secret Manager
// quotas and limits", https://cloud.google.com/secret-manager/quotas).
//
// Jobs created before that layout (job.SecretsPerKind, the zero value, so
// every stored job that predates the field) keep one secret per kind,
// "valet-job-J-K" (see SecretID), labelled kind=K too, each value the bare
// token at version 1. They are read, completed (a workflow token minted
// for such a job goes in its per-kind secret) and scrubbed where they are;
// nothing migrates them, and the layout goes when the last of them ends.
//
// Every secret is created with expire_time at the job's latest possible
// deadline (never less than MinLifetime ahead, since Secret Manager refuses
// an expiration under 60 s away), so Secret Manager deletes it even if
// valet never scrubs.
//
// # Concurrency
//
// A value's place is a fixed version number, and the first value stored
// there wins: later writes leave it, and readers always read that version,
// never "latest", so concurrent writers agree on one value. A version
// added by a losing writer (at a higher number) is destroyed at once.
// Scrub deletes the secret, which deletes every version; a workflow token
// minted after that is not stored (the secret is not recreated).
//
// Every value read or written is registered with logging.RegisterSecret:
// masked in every later line of the request that read or wrote it, or, for
// work outside a request, of the process (logging.DefaultMasker, bounded).
//
// # Errors
//
// Errors are *apperr.Error: Invalid for a missing job, a malformed job id,
// an unknown kind or an empty value; NotFound when the value is absent,
// destroyed or deleted; Unavailable when Secret Manager cannot be reached
// (retry later); Internal otherwise (a version holding the other kind
// included). Values never appear in errors.
package custody
