// Package workflow mints the per-job workflow token (the job sees it as
// DW_WORKFLOW_TOKEN): a JWT signed with ES256 by valet's workflow signing key.
//
// # Signing key
//
// The key is a P-256 private key stored as a PEM "PRIVATE KEY" block
// (PKCS#8) in one Secret Manager secret (DefaultSecretID unless configured),
// created on the first Rotate and labelled app=valet. Each Rotate adds a new
// version; signing uses the newest ENABLED version, and JWKS publishes the
// public keys of every ENABLED version, so disabling a version withdraws its
// key from verifiers. A token's kid is the decimal version number of the key
// that signed it ("1", "2", ...): the secret is fixed per deployment, so the
// number alone names the key.
//
// The list of enabled versions and their public keys is cached in memory
// for CacheTTL (one minute) and shared by signing, verifying and the JWKS,
// so none of them reaches Secret Manager on every call; the newest private
// key is loaded once. A token naming a version the cached list lacks makes
// the store list again at most once a MissTTL (ten seconds), and a failed
// listing is answered for FailureTTL without another call: no caller, and
// no flood of forged key ids, makes the store spend Secret Manager quota
// (see "Secret Manager quotas and limits",
// https://cloud.google.com/secret-manager/quotas: 600 read requests a
// minute per project). Rotate puts its new version at the head of the list.
//
// # Token
//
// Header: alg ES256, kid, typ JWT. Claims: iss, sub, aud (a single string),
// job (the job id), iat, exp (the job's deadline), jti (128 random bits,
// base64url). Tokens and key material never appear in error messages.
//
// # Other tokens
//
// KeyStore.Sign and KeyStore.Verify sign and check any JWT with these keys
// under its own typ header (the job token of package jobtoken uses
// "valet-job+jwt"). Verify accepts only ES256 and a kid naming an ENABLED
// version, as the cached list knows it: disabling a version withdraws its
// tokens within CacheTTL.
package workflow
