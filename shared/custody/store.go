package custody

import (
	"context"
	"time"

	"valet.dev/valet/shared/job"
)

// Kind names which of a job's secrets is meant.
type Kind string

// The kinds of job secret.
const (
	RuntimeToken  Kind = "runtime"  // the runtime token the job runs with
	WorkflowToken Kind = "workflow" // the job's workflow token (a JWT)
)

// Kinds lists every kind, in the order Scrub destroys them.
var Kinds = []Kind{RuntimeToken, WorkflowToken}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return k == RuntimeToken || k == WorkflowToken }

// Store keeps a job's secrets, each of them at most one value for the
// job's life: the first value stored wins. secretmanager.JobSecrets keeps
// them in Secret Manager (its documentation says where and at what cost).
//
// Errors are *apperr.Error: Invalid for a missing job, a malformed job id,
// an unknown kind or an empty value; NotFound when the value is absent,
// destroyed or scrubbed; Unavailable when the backend cannot be reached
// (retry later); Internal otherwise. Values never appear in errors.
type Store interface {
	// Put stores value as j's kind value, kept at least until expireAt,
	// unless a value is already there (then Put leaves it and returns
	// nil). A value that goes after another of j's is never stored once
	// j's secrets are scrubbed: Put answers NotFound rather than bring
	// them back. The caller records j.HasRuntimeToken itself when it
	// stores a runtime token.
	Put(ctx context.Context, j *job.Job, kind Kind, value string, expireAt time.Time) error
	// Get returns j's kind value: NotFound when it is absent, destroyed
	// or scrubbed.
	Get(ctx context.Context, j *job.Job, kind Kind) (string, error)
	// Ensure returns j's kind value, storing mint()'s value first when it
	// has none. Concurrent callers all get the same value, whoever minted
	// it. A value that was destroyed stays NotFound.
	Ensure(ctx context.Context, j *job.Job, kind Kind, expireAt time.Time, mint func() (string, error)) (string, error)
	Secrets
}
