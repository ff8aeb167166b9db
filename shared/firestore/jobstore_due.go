package firestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// Due returns up to limit ids of non-final jobs with a timer run out at or
// before now, and of final jobs whose secrets are not yet scrubbed: four
// queries (upload window of AWAITING_WORKSPACE jobs, lease of the
// State.Leased ones, deadline of the State.Timed ones, final jobs with
// secretsHeld), each oldest first, merged without duplicates.
func (s *JobStore) Due(ctx context.Context, now time.Time, limit int) ([]ids.JobID, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if limit < 1 {
		return nil, apperr.E(apperr.Invalid, "limit must be at least 1, not %d", limit)
	}
	jobs := s.client.Collection(JobsCollection)
	queries := []firestore.Query{
		jobs.Where("state", "==", string(job.AwaitingWorkspace)).
			Where("uploadDeadline", "<=", now).OrderBy("uploadDeadline", firestore.Asc),
		jobs.Where("state", "in", statesWhere(job.State.Leased)).
			Where("lock.leaseExpiresAt", "<=", now).OrderBy("lock.leaseExpiresAt", firestore.Asc),
		jobs.Where("state", "in", statesWhere(job.State.Timed)).
			Where("deadline", "<=", now).OrderBy("deadline", firestore.Asc),
		jobs.Where("state", "in", statesWhere(job.State.Final)).Where("secretsHeld", "==", true).
			Where("finishedAt", "<=", now).OrderBy("finishedAt", firestore.Asc),
	}
	seen := map[ids.JobID]bool{}
	var due []ids.JobID
	for _, q := range queries {
		if len(due) >= limit {
			break
		}
		snaps, err := q.Select().Limit(limit).Documents(ctx).GetAll()
		if err != nil {
			return nil, readError(ctx, err)
		}
		for _, snap := range snaps {
			if id := ids.JobID(snap.Ref.ID); !seen[id] && len(due) < limit {
				seen[id] = true
				due = append(due, id)
			}
		}
	}
	return due, nil
}

// statesWhere is job.StatesWhere(is) as the strings a query compares.
func statesWhere(is func(job.State) bool) []string {
	var out []string
	for _, s := range job.StatesWhere(is) {
		out = append(out, string(s))
	}
	return out
}
