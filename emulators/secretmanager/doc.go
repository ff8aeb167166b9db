// Package secretmanager is an in-memory Secret Manager emulator: a gRPC
// server implementing google.cloud.secretmanager.v1.SecretManagerService
// that the official Go client (cloud.google.com/go/secretmanager/apiv1)
// reaches with option.WithEndpoint(addr), option.WithoutAuthentication() and
// insecure gRPC transport credentials. No Secret Manager emulator exists
// upstream; valet's dev stack and tests use this one.
//
// # Implemented RPCs
//
//   - CreateSecret: parent projects/P, secret id [a-zA-Z0-9_-]{1,255},
//     AlreadyExists on a duplicate; labels and annotations validated as the
//     real service does; ttl becomes expire_time = now + ttl. An expiration
//     less than 60 s or more than 100 years ahead of the server's clock is
//     InvalidArgument, as in the real service ("Create and manage expiring
//     secrets": "A secret's expiration cannot be less than 60 seconds away
//     or more than 100 years away").
//   - GetSecret, DeleteSecret (optional etag).
//   - UpdateSecret with update_mask paths labels, annotations, expire_time,
//     ttl (optional etag).
//   - ListSecrets: newest first, page_size (0 means 1000, capped at 25000),
//     page_token, filter (see below), total_size when unfiltered.
//   - AddSecretVersion: versions numbered from 1 with no gaps; data of 1 byte
//     to 64 KiB; a set data_crc32c must match (InvalidArgument otherwise).
//   - GetSecretVersion, AccessSecretVersion: "latest" is the newest version
//     whatever its state, as in the real service; accessing a DISABLED or
//     DESTROYED version is FailedPrecondition; the response carries
//     data_crc32c.
//   - ListSecretVersions: newest first, paginated, filterable on state and name.
//   - DisableSecretVersion, EnableSecretVersion, DestroySecretVersion
//     (optional etag): destroying wipes the data from memory and sets
//     destroy_time; DESTROYED is final, so changing a destroyed version again
//     is FailedPrecondition.
//
// # Quotas
//
// Every call counts against its project's per-minute quota of its kind, as
// in "Secret Manager quotas and limits"
// (https://cloud.google.com/secret-manager/quotas): AccessSecretVersion is
// an access request (90,000 a minute by default), the other calls that
// change nothing (get, list) are read requests (600), and the calls that
// create, update or delete a secret or add, enable, disable or destroy a
// version are write requests (600). Over a quota a call answers
// ResourceExhausted until the next clock minute; Options.Quotas changes the
// limits. Server.Calls counts the calls per RPC, for tests.
//
// Every other RPC (IAM policies, TestIamPermissions, location methods)
// answers Unimplemented.
//
// Secrets past their expire_time are gone: every call treats them as
// NotFound and their payloads are wiped. Errors are gRPC status codes:
// InvalidArgument for malformed names, ids, labels, filters, page tokens and
// payloads; NotFound, AlreadyExists and FailedPrecondition as above.
//
// # Filters
//
// ListSecrets and ListSecretVersions accept a subset of the list filter
// language: restrictions field:value, field=value and field!=value joined by
// AND (or whitespace), OR and NOT (or a leading -), with parentheses.
// Secrets filter on name, labels.KEY and labels:KEY; versions on name and
// state. Other fields and operators are InvalidArgument.
//
// # Differences from the real service
//
//   - Projects are taken as given: projects/123 and projects/my-project are
//     different projects, and returned names keep the caller's spelling (the
//     real service answers with the project number).
//   - Regional secrets (projects/P/locations/L/...) answer Unimplemented.
//   - replication is optional and defaults to automatic; it is not enforced
//     anywhere.
//   - Create rejects, with InvalidArgument, fields it does not model: topics,
//     rotation, version_aliases, version_destroy_ttl (delayed destruction),
//     customer_managed_encryption, tags and secret_type. Version ids must be a
//     number or "latest"; aliases are InvalidArgument, not NotFound.
//   - update_mask paths other than labels, annotations, expire_time and ttl
//     are InvalidArgument.
//   - Filters: see above; no create_time, replication or timestamp
//     comparisons. ":" on a string is a case-sensitive substring test.
//   - Etags are opaque quoted counters; a mismatch is FailedPrecondition.
//   - Quotas are counted in fixed clock minutes per project id as given;
//     the soft per-secret rate limits on AddSecretVersion, UpdateSecret and
//     version state changes are not modelled.
//   - No IAM, no audit logs, no Pub/Sub notifications, no
//     persistence: a restart forgets everything.
package secretmanager
