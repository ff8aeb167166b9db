package job

import (
	"slices"
	"time"

	"valet.dev/valet/shared/apperr"
)

// Scrubbed records that a final job's secrets were destroyed. It returns
// ErrDuplicate when they already were (or never existed), Conflict for a
// job that is not final.
func (j *Job) Scrubbed(now time.Time) (Event, error) {
	if !j.State.Final() {
		return Event{}, apperr.E(apperr.Conflict, "job %s is %s; its secrets are scrubbed only once it is final", j.ID, j.State)
	}
	if !j.SecretsHeld {
		return Event{}, ErrDuplicate
	}
	j.SecretsHeld = false
	return j.record(now, EventScrubbed, "runtime and workflow tokens destroyed"), nil
}

// ReuseKey is what makes a finished job's output stand for a new
// submission: the same spec, the same workspace bytes, run as the same
// user with the same scopes.
type ReuseKey struct {
	SpecHash      string
	WorkspaceMD5  string
	RuntimeUser   string
	RuntimeScopes []string // sorted
}

// Matches reports whether j is a SUCCEEDED job with key k. A submission
// that requires an attestation only matches jobs that recorded one.
func (k ReuseKey) Matches(j *Job, requireAttestation bool) bool {
	return j.State == Succeeded && j.SpecHash == k.SpecHash && j.Workspace.MD5 == k.WorkspaceMD5 &&
		j.RuntimeUser == k.RuntimeUser && slices.Equal(j.RuntimeScopes, k.RuntimeScopes) &&
		(!requireAttestation || j.Attestation.Present)
}

// SecretLayout is how Secret Manager holds a job's secrets.
type SecretLayout int

// The layouts. A job keeps the layout it was created with for its life.
const (
	// SecretsPerKind, the layout of jobs created before SecretsPerJob, is
	// one secret per kind of token, each value its version 1.
	SecretsPerKind SecretLayout = 0
	// SecretsPerJob is one secret per job: the runtime token (if any) is
	// version 1 and the workflow token the next version.
	SecretsPerJob SecretLayout = 1
)
