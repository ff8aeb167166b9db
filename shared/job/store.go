package job

import (
	"context"
	"time"

	"valet.dev/valet/shared/ids"
)

// Store keeps jobs and their event logs. Every method that changes a job
// runs as one transaction that reads the job, applies a transition and
// writes the job together with the events the transition returned.
type Store interface {
	// Create stores a new job and its first event. AlreadyExists → Conflict.
	Create(ctx context.Context, j *Job, first Event) error
	// Get returns the job or NotFound.
	Get(ctx context.Context, id ids.JobID) (*Job, error)
	// Update runs fn on the current job inside a transaction and writes the
	// job and fn's events. When fn returns ErrDuplicate nothing is written
	// and Update returns the job and ErrDuplicate; any other error aborts
	// the transaction and is returned as is. NotFound when the job is absent.
	Update(ctx context.Context, id ids.JobID, fn func(j *Job) ([]Event, error)) (*Job, error)
	// ClaimNext claims one of the oldest queued jobs for c (see
	// Job.ClaimFor), or returns (nil, nil) when none is queued. Concurrent
	// callers never claim the same job at the same epoch.
	ClaimNext(ctx context.Context, c Claimant, now time.Time) (*Job, error)
	// List returns jobs matching q in a stable order (newest first, then by
	// id) and a token for the next page ("" at the end).
	List(ctx context.Context, q Query) ([]*Job, string, error)
	// Events returns the job's events in seq order after pageToken.
	Events(ctx context.Context, id ids.JobID, pageSize int, pageToken string) ([]Event, string, error)
	// Due returns up to limit ids of non-final jobs whose upload window,
	// lease or deadline ended at or before now, and of final jobs that
	// still hold secrets (the sweep's work list).
	Due(ctx context.Context, now time.Time, limit int) ([]ids.JobID, error)
	// Reusable returns up to limit SUCCEEDED jobs whose spec hash,
	// workspace MD5 and runtime user are k's, newest first; the caller
	// checks the rest of k (ReuseKey.Matches) and its access to them.
	Reusable(ctx context.Context, k ReuseKey, limit int) ([]*Job, error)
}

// Page sizes of List and Events: the API's pageSize for jobs and a job's
// events (shared/openapi/openapi.json says the same).
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// Query selects jobs for List. Owner and Projects combine with OR: a user
// sees the personal jobs they own and those of projects they belong to (a
// project job is reached through membership only, whoever submitted it).
type Query struct {
	Owner     ids.UserID // personal jobs (no project) of this owner
	Projects  []ids.ProjectID
	Project   ids.ProjectID // when set, only this project's jobs
	State     State         // when set, only jobs in this state
	PageSize  int           // 1 to MaxPageSize; 0 means DefaultPageSize
	PageToken string
}
