// Package apitoken is valet's API tokens and their rules: their format,
// scopes, lifetimes, chains and hashing, and Tokens, which creates, lists,
// revokes and verifies them over a Store of records. It imports no Google
// SDK: firestore.TokenStore keeps the records in Firestore, and the
// conformance suite tokentest is the Store's contract.
//
// # Format
//
// A token is "valet_" + a 12-character lookup prefix ([a-z2-7]) + "_" + a
// 43-character secret (32 bytes from crypto/rand, unpadded base64url), 62
// characters in all. It matches identity.APITokenPrefix and the
// credential shape shared/logging masks (`valet_[A-Za-z0-9_-]{16,}`).
//
// # Storage
//
// A Store keeps, per token, a Record under its lookup prefix: the token
// id, owner, name, sorted scopes, the SHA-256 of the whole token (compared
// in constant time) and its times. The token itself is never
// stored, logged or returned after creation; Create registers it with
// logging.RegisterSecret, in the creating request's scope (it is shown in
// that response only; later requests carry it as a bearer, masked by its
// shape).
//
// # Scopes
//
// A scope is one of jobs:read, jobs:write, objects:read, objects:write,
// optionally restricted to one space with "@users/<uid>" or
// "@projects/<pid>", or tokens:manage. A write scope implies the read scope
// of the same resource and space. The single scope "all"
// (identity.AllScopes) does not narrow its owner's rights. See package scope.
//
// # Chains
//
// A token created with another API token (Spec.Parent) records its
// parent's id and the documents of all its ancestors (at most
// MaxChainDepth). Its expiry is capped at its parent's, and Verify refuses
// it when any ancestor is gone, revoked or expired, so revoking a token
// revokes everything minted from it, with no cascade to race against.
package apitoken
