// Package gate is the signed-URL gate of the local stack: a reverse proxy in
// front of fake-gcs-server that enforces what Cloud Storage enforces for V4
// signed URLs and fake-gcs-server does not (it checks nothing of a signed
// URL). The dev stack's "storage" URL points at the gate, so a URL that
// would fail against Cloud Storage fails locally too.
//
// # What it enforces
//
// Every request but a CORS preflight must carry a V4 signature
// (GOOG4-RSA-SHA256 in the query); buckets are private, so an unsigned
// request gets 403 AccessDenied. Verifier.VerifySignature checks, in order:
//   - the X-Goog-* parameters are present, single and well formed; the
//     credential scope is <YYYYMMDD>/auto/storage/goog4_request and its day is
//     the day of X-Goog-Date; X-Goog-SignedHeaders is sorted, lowercase and
//     includes host; X-Goog-Expires is 1 to 604800 seconds (7 days);
//   - the time window: refused before X-Goog-Date minus MaxClockSkew (30 s)
//     and at or after X-Goog-Date + X-Goog-Expires;
//   - the credential's email is a known key (Options.Keys);
//   - the RSA-SHA256 PKCS#1 v1.5 signature over the canonical request rebuilt
//     as Cloud Storage does: method, path decoded then re-encoded per
//     segment, the query without X-Goog-Signature sorted and encoded (%20 for
//     a space), every signed header with its trimmed and collapsed value, the
//     signed headers, and UNSIGNED-PAYLOAD or the signed x-goog-content-sha256.
//     The method, the object, the query and every signed header (Content-Type,
//     Content-MD5, x-goog-content-length-range...) are thereby bound: any
//     difference is 403 SignatureDoesNotMatch, whose details name the signed
//     method when only the method differs.
//
// Verification is URL-style agnostic (Request holds method, Host, path, raw
// query and headers). The canonical host is the Host as sent or, when that
// fails, the Host without its port: the Go client signs "localhost" for
// http://localhost:8080/..., other clients keep the port. Where Cloud
// Storage's documentation (sort by encoded name) and the Go client (sort by
// decoded name) could order query parameters differently, both are tried.
//
// Before anything is sent upstream, Gate reads the whole upload body
// (spilling to a temporary file past 4 MiB) and checks it against
// Grant.CheckBody: every x-goog-content-length-range, from the query or a
// header (EntityTooLarge, EntityTooSmall; a body above the maximum is refused
// as soon as the declared Content-Length or the bytes read pass it, without
// reading the rest), Content-MD5 (BadDigest) and a signed
// x-goog-content-sha256 (BadDigest). A PUT carrying x-goog-if-generation-match
// is then checked against the object's current generation upstream ("0":
// it must not exist), under a lock so check and write are one step as in
// Cloud Storage (412 PreconditionFailed). Only then is the request proxied,
// so a refused request stores nothing.
//
// # Status codes
//
// Refusals are Cloud Storage's XML error document
// (<Error><Code/><Message/><Details/></Error>): 403 AccessDenied (no
// signature, unknown signer, not yet valid, CORS refused), 403
// SignatureDoesNotMatch (with StringToSign and CanonicalRequest, never the
// signature), 400 ExpiredToken "Invalid argument." (expired), 400
// MalformedSecurityHeader (bad or missing X-Goog-* parameter), 400
// InvalidArgument (expiry above 7 days, unsupported request shape), 400
// EntityTooLarge / EntityTooSmall, 400 BadDigest, 400 InvalidDigest
// (Content-MD5 not a base64 MD5), 412 PreconditionFailed. Cloud Storage documents the codes, not
// every status; where it does not (unknown signer, not yet valid, expiry
// above 7 days) the gate picks the closest one listed here.
//
// # Proxying
//
// Only path-style object URLs (/<bucket>/<object>) are proxied, with methods
// GET, HEAD, PUT and DELETE; the method must be the signed one, so a HEAD
// needs a HEAD-signed URL, as in Cloud Storage. The upstream receives the
// same method, path and query minus X-Goog-Signature (fake-gcs-server needs
// X-Goog-Algorithm to take a PUT as a signed upload), the body, the content
// headers (Content-Type, Content-MD5, Content-Disposition, ...), the
// conditional and Range headers, and the signed x-goog-* headers; other
// headers are dropped. Responses stream back; on a successful GET or HEAD
// the response-content-disposition and response-content-type query
// parameters set those response headers, as Cloud Storage does. A
// successful PUT is answered as Cloud Storage's XML API answers it: an
// empty body, with the object's generation, metageneration, hashes and
// ETag in headers; fake-gcs-server's JSON answer, whose selfLink and
// mediaLink point past the gate, never reaches the caller.
//
// # CORS
//
// The gate applies the buckets' CORS configuration as Cloud Storage does
// ("Cross-origin resource sharing (CORS)",
// https://cloud.google.com/storage/docs/cross-origin): the methods, the
// responseHeader list and the max age are the "buckets" rules of
// terraform/policy/cors.json (the file Terraform sets on the deployed
// buckets), the origins are Options.AllowedOrigins ("*" for any). An OPTIONS
// preflight succeeds only when its origin is allowed, its
// Access-Control-Request-Method is listed and every name in
// Access-Control-Request-Headers is in responseHeader; it then gets 200 with
// Access-Control-Allow-Origin (the request's Origin, also for "*"),
// -Methods, -Headers (the requested ones) and -Max-Age. Any other preflight
// gets 403 AccessDenied without CORS headers, which the browser reports as a
// CORS failure. Real responses (success or refusal) to an allowed origin and
// listed method carry Access-Control-Allow-Origin and
// Access-Control-Expose-Headers (the responseHeader list); the upstream's
// own CORS headers are dropped.
//
// # What it does not do
//
//   - Resumable uploads (x-goog-resumable: start) and POST uploads are
//     refused with 400 InvalidArgument: fake-gcs-server mishandles them.
//   - HMAC signatures (GOOG4-HMAC-SHA256), V2 signatures, OAuth bearer
//     tokens, virtual-hosted or bucket-bound proxying (verification handles
//     them), listings, and x-goog-hash / CRC32C checks.
//   - Credential scopes other than "auto" are refused although Cloud
//     Storage accepts a region there.
//   - The gate does not know which objects exist: it checks the signature,
//     and fake-gcs-server answers 404 and the like.
package gate
