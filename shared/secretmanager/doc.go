// Package secretmanager is valet's one adapter to Secret Manager: the
// client (NewClient), the one translation of its gRPC codes to apperr
// (Error) and the stores built on it: JobSecrets, where a job's runtime
// and workflow tokens are kept (custody.Store), and SigningKeys, valet's
// token signing keys. No other package calls Secret Manager.
//
// # Client
//
// With SECRET_MANAGER_EMULATOR_HOST set, the client talks plaintext gRPC
// without credentials to that host:port (valet's emulator,
// emulators/secretmanager); unset, it uses the production endpoint and
// Application Default Credentials.
//
// # Job secrets
//
// JobSecrets is custody.Store in Secret Manager. A job created now (job.SecretsPerJob) has one secret, "valet-job-J" (see
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
// # Job secrets: concurrency
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
// # Signing keys
//
// SigningKeys are valet's ES256 signing keys: they sign the job's tokens
// (package jobtoken) and publish their public keys as a JWKS.
//
// The key is a P-256 private key stored as a PEM "PRIVATE KEY" block
// (PKCS#8) in one Secret Manager secret (DefaultSigningKeySecret unless
// configured), created on the first Rotate and labelled app=valet. Each Rotate adds a new
// version; signing uses the newest ENABLED version, and JWKS publishes the
// public keys of every ENABLED version, so disabling a version withdraws its
// key from verifiers. A token's kid is the decimal version number of the key
// that signed it ("1", "2", ...): the secret is fixed per deployment, so the
// number alone names the key.
//
// The list of enabled versions and their public keys is cached in memory
// for KeyCacheTTL (one minute) and shared by signing, verifying and the JWKS,
// so none of them reaches Secret Manager on every call; the newest private
// key is loaded once. A token naming a version the cached list lacks makes
// the store list again at most once a KeyMissTTL (ten seconds), and a failed
// listing is answered for KeyFailureTTL without another call: no caller, and
// no flood of forged key ids, makes the store spend Secret Manager quota
// (see "Secret Manager quotas and limits",
// https://cloud.google.com/secret-manager/quotas: 600 read requests a
// minute per project). Rotate puts its new version at the head of the list.
//
// SigningKeys.Sign and SigningKeys.Verify sign and check any JWT with
// these keys under its own typ header (the workflow token's is "JWT", the
// job token's "valet-job+jwt"); a private key never leaves the type.
// Verify accepts only ES256 and a kid naming an ENABLED version, as the
// cached list knows it: disabling a version withdraws its tokens within
// KeyCacheTTL.
//
// # Errors
//
// Every error is an *apperr.Error made by Error (valueError for the values
// of JobSecrets, where NotFound also means destroyed or deleted): over a
// quota Unavailable with a Retry-After, Unavailable when Secret Manager
// cannot be reached (retry later), Internal otherwise (a version holding
// the other kind of job secret included). JobSecrets answers Invalid for a
// missing job, a malformed job id, an unknown kind or an empty value.
// Values never appear in errors.
package secretmanager
