package sweep

import (
	"context"
	"errors"
	"net/http"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// Result counts what one run did. Examined is the number of due jobs
// looked at; Scrubbed the final jobs whose secrets it destroyed; Errors
// those whose transition or cleanup failed (they are retried by the next
// run while still due).
type Result struct {
	Expired  int `json:"expired"`
	Requeued int `json:"requeued"`
	Failed   int `json:"failed"`
	Scrubbed int `json:"scrubbed"`
	// ExpiredObjects counts shared objects whose upload never arrived.
	ExpiredObjects int `json:"expiredObjects"`
	// DeletedProjects counts project deletes the sweep finished.
	DeletedProjects int `json:"deletedProjects"`
	// Migrated counts stored documents the run's schema migration batch
	// upgraded (package migrate).
	Migrated int `json:"migrated"`
	Examined int `json:"examined"`
	Errors   int `json:"errors"`
}

// fail counts a failure of the run and logs it as a warning: failures are
// never fatal to a run, and the next run retries what failed.
func (res *Result) fail(ctx context.Context, msg string, args ...any) {
	res.Errors++
	httpapi.LoggerFrom(ctx).WarnContext(ctx, msg, args...)
}

// perJobTimeout bounds the work on one job so that one slow job cannot eat
// the whole run.
const perJobTimeout = 20 * time.Second

// sweep serves POST /sweep: one bounded pass over the due jobs.
func (s *server) sweep(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	var res Result
	// Projects first: finishing a delete cancels the project's jobs, whose
	// secrets the pass over due jobs below then destroys.
	s.projects(r, now, &res)
	due, err := s.store.Due(r.Context(), now, s.batch)
	if err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "the due jobs could not be listed; the next run retries")
	}
	for _, id := range due {
		if r.Context().Err() != nil {
			break
		}
		res.Examined++
		s.one(r, id, now, &res)
	}
	s.objects(r, now, &res)
	s.migrate(r, &res)
	httpapi.LoggerFrom(r.Context()).InfoContext(r.Context(), "sweep done",
		"examined", res.Examined, "migrated", res.Migrated, "expired", res.Expired, "requeued", res.Requeued, "failed", res.Failed, "scrubbed", res.Scrubbed, "expiredObjects", res.ExpiredObjects, "deletedProjects", res.DeletedProjects, "errors", res.Errors)
	httpapi.WriteJSON(w, http.StatusOK, res)
	return nil
}

// one applies job.Sweep to one job, deletes the workspace of a job that
// expired and scrubs the secrets of a final job. Failures are logged and
// counted, never fatal to the run.
func (s *server) one(r *http.Request, id ids.JobID, now time.Time, res *Result) {
	ctx, cancel := context.WithTimeout(r.Context(), perJobTimeout)
	defer cancel()
	j, err := s.store.Update(ctx, id, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Sweep(now)
		if err != nil {
			return nil, err
		}
		return []job.Event{ev}, err
	})
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return // gone
	case errors.Is(err, job.ErrDuplicate):
		// No timer ran out (another run got there, or the job is final
		// and only its secrets are left).
	case err != nil:
		res.fail(ctx, "sweep of a job failed", "job", id, "error", err)
		return
	default:
		s.count(ctx, j, res)
	}
	scrubbed, err := custody.Scrub(ctx, s.store, s.secrets, j, now)
	if err != nil {
		res.fail(ctx, "secrets of a final job not scrubbed; the next run retries", "job", id, "error", err)
	}
	if scrubbed {
		res.Scrubbed++
	}
}

// count records the transition one run applied to j, and deletes the
// workspace of a job that expired.
func (s *server) count(ctx context.Context, j *job.Job, res *Result) {
	switch j.State {
	case job.Expired:
		res.Expired++
		if err := s.deleteWorkspace(ctx, j); err != nil {
			res.fail(ctx, "workspace of an expired job not deleted", "job", j.ID, "error", err)
		}
	case job.Queued:
		res.Requeued++
	case job.Failed:
		res.Failed++
	}
}

// deleteWorkspace deletes any generation at the job's open workspace key,
// where an upload may have landed as the job expired (bytes at the keys
// used up before are deleted by finalize); an absent object is fine.
func (s *server) deleteWorkspace(ctx context.Context, j *job.Job) error {
	if s.storage == nil {
		return errors.New("sweep: no object deleter configured")
	}
	err := s.storage.Delete(ctx, s.bucket, job.WorkspaceName(j.ID, j.WorkspaceKey), 0)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil
	}
	return err
}
