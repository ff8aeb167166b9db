package firestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// cancelBatchJobs is how many jobs of a deleted project one query reads.
const cancelBatchJobs = 100

// cancelJobs cancels every job of the deleted project pid that is not final
// yet, each in its own transaction (job.Job.Cancel, a CANCELLED event
// naming the deletion). It does nothing unless pid has a tombstone: the
// jobs of a live project are never touched. The jobs keep SecretsHeld, so
// the sweep destroys their secrets (job.Store.Due lists final jobs that
// still hold some). A job that became final meanwhile is left as it is.
//
// No job joins pid once its tombstone exists (JobStore.Create reads it in
// its transaction), so one pass until the query is empty cancels them all.
func (s *ProjectStore) cancelJobs(ctx context.Context, pid ids.ProjectID, now time.Time) error {
	_, err := tombstoneRef(s.client, pid).Get(ctx)
	if status.Code(err) == codes.NotFound {
		return nil
	}
	if err != nil {
		return readError(ctx, err)
	}
	jobs := NewJobStore(s.client)
	by := fmt.Sprintf("the deletion of project %s", pid)
	for {
		batch, err := queryIDs[ids.JobID](ctx, s.client.Collection(JobsCollection).
			Where("project", "==", string(pid)).
			Where("state", "in", unfinishedStates()).
			OrderBy("createdAt", firestore.Desc).OrderBy("id", firestore.Desc).
			Select().Limit(cancelBatchJobs))
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		for _, id := range batch {
			_, err := jobs.Update(ctx, id, func(j *job.Job) ([]job.Event, error) {
				ev, err := j.Cancel(by, now)
				return []job.Event{ev}, err
			})
			switch {
			case err == nil, errors.Is(err, job.ErrDuplicate):
			case apperr.CodeOf(err) == apperr.Conflict || apperr.CodeOf(err) == apperr.NotFound:
				// Final meanwhile, or gone: nothing left to stop.
			default:
				return err
			}
		}
	}
}

func unfinishedStates() []string {
	var out []string
	for _, s := range job.States {
		if !s.Final() {
			out = append(out, string(s))
		}
	}
	return out
}
