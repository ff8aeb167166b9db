// Package client is a small Go client of valet's HTTP API (docs/api.md),
// shared by the valet CLI and the reference worker: typed calls to the jobs
// and dispatch functions, signed-URL transfers with progress callbacks,
// deterministic workspace tarballs, a text progress bar, and discovery of
// the local stack through .dev/stack.json.
//
// # Errors
//
// A non-2xx answer from a function becomes an *Error carrying the HTTP
// status and the API's {"error":{code,message}}; Advice turns any error
// into the next step a person should take. Signed URLs and tokens never
// appear in an error message.
package client
