// Package privategcs is the storage emulator of the local stack: a private
// bucket store, as Cloud Storage keeps valet's buckets (uniform
// bucket-level access, public access prevention). It wraps a
// fake-gcs-server that runs without a listener, so nothing on the machine
// can reach the bytes anonymously: the signed-URL gate (emulators/gate)
// reaches it through Transport, as Cloud Storage's XML API serves signed
// URLs. The functions reach it as they reach Cloud Storage with their own
// service account: through Serve, on a port that demands a per-run
// credential their client finds in STORAGE_EMULATOR_HOST, or in process
// through Client (tests). Wrap refuses a fake-gcs-server that listens on a
// port.
//
// In front of fake-gcs-server it enforces the write preconditions valet
// relies on and fake-gcs-server ignores on copies ("Request
// preconditions", https://cloud.google.com/storage/docs/request-preconditions):
// ifGenerationMatch and ifGenerationNotMatch on the JSON API's copyTo and
// rewriteTo (ifGenerationMatch=0, the Go client's DoesNotExist, means the
// destination must not exist), and x-goog-if-generation-match on an XML
// API PUT. A failed match is 412 with Cloud Storage's error
// (conditionNotMet in JSON, PreconditionFailed in XML), a failed
// ifGenerationNotMatch is 304 Not Modified, as the page's table says; either
// writes nothing.
// Every write goes through one lock, so a check and its write are one step
// as in Cloud Storage: of two racing create-only copies to one name, one
// wins and the other gets 412. Any other if* precondition on a copy or a
// PUT is refused with 400 rather than silently ignored.
package privategcs
