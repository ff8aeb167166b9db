// Package custody is secret custody: the life of a job's secrets, its
// runtime token (kept at submission, package jobs) and its workflow token
// (minted once the job is queued: Workflow), each at most one value for
// the job's life, destroyed when the job is final (Scrub, AfterFinal).
// Store is where they are kept; secretmanager.JobSecrets keeps them in
// Secret Manager, and its package documentation says how.
//
// # Scrubbing
//
// Every function that moves a job to a final state (finalize on success,
// dispatch on a reported failure, jobs on cancel, sweep on expiry and
// deadlines) calls AfterFinal right after its transition commits. A failure
// is logged and left to the sweep: the job keeps SecretsHeld, so it stays on
// the sweep's work list (job.Store.Due) until a Scrub succeeds.
package custody
