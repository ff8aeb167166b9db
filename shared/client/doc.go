// Package client is the Go client of valet's HTTP API (docs/api.md),
// shared by the valet CLI and the reference worker: a typed method for
// every route of every function (jobs; dispatch; objects with spaces,
// projects and members; tokens; sweep; each function's /healthz), checked
// against the functions' registered routes by TestClientCoversEveryRoute;
// signed-URL transfers with progress callbacks; deterministic workspace
// tarballs; a text progress bar; OpenID Connect discovery and token
// exchange for logging in; and discovery of the local stack through
// .dev/stack.json.
//
// # Errors
//
// A non-2xx answer from a function becomes an *Error carrying the HTTP
// status and the API's {"error":{code,message}}; a "no such route" from a
// URL that serves another function (asked through its /healthz) becomes a
// *WrongFunctionError. Advice turns any error into the next step a person
// should take. Signed URLs and tokens never appear in an error message.
package client
