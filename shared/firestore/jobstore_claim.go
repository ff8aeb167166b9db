package firestore

import (
	"context"
	"math/rand/v2"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/schema"
)

// Claim tuning. A claimer reads the claimCandidates oldest queued jobs and
// tries them in random order; when every one was taken by someone else it
// reads the queue again, up to claimRounds times.
const (
	claimCandidates = 20
	claimRounds     = 30
)

// ClaimNext claims one of the oldest queued jobs for c, or returns
// (nil, nil) when none is queued.
//
// Concurrent dispatchers must not all fight over the single oldest
// document: on the emulator two transactions that read one document wait
// ~2 s for its lock and abort (FACTS.md), and in production they would
// serialize. So ClaimNext is optimistic and lock-free on reads:
//
//  1. one plain query reads the claimCandidates queued jobs queued first
//     (ordered by updatedAt, which is the queue time while a job is QUEUED:
//     every transition stamps it and none applies to a queued job but
//     Claim, Cancel and Sweep, which all leave QUEUED);
//  2. the candidates are shuffled, and for each, job.Claim is applied to
//     the snapshot the query returned and written in one transaction (job
//     and LOCKED event) under the precondition that the document is
//     unchanged since that snapshot (its update time). A claimer that lost
//     the race gets FailedPrecondition at once, not after a lock timeout,
//     and moves on to the next candidate;
//  3. when all were taken it queries again (at most claimRounds rounds,
//     then ResourceExhausted "busy; retry").
//
// Exactly-once follows from the precondition: a job's document can move
// from a given version to LOCKED only once. The trade-off is fairness: a
// claim takes roughly the oldest job (one of the first claimCandidates),
// not strictly the oldest.
func (s *JobStore) ClaimNext(ctx context.Context, c job.Claimant, now time.Time) (*job.Job, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	for range claimRounds {
		snaps, err := s.client.Collection(JobsCollection).
			Where("state", "==", string(job.Queued)).
			OrderBy("updatedAt", firestore.Asc).
			Limit(claimCandidates).
			Documents(ctx).GetAll()
		if err != nil {
			return nil, readError(ctx, err)
		}
		if len(snaps) == 0 {
			return nil, nil
		}
		rand.Shuffle(len(snaps), func(a, b int) { snaps[a], snaps[b] = snaps[b], snaps[a] })
		for _, snap := range snaps {
			j, err := s.tryClaim(ctx, snap, c, now)
			if err != nil {
				return nil, err
			}
			if j != nil {
				return j, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, apperr.Wrap(err, apperr.Unavailable, "the request ended before a job was claimed; retry")
		}
	}
	return nil, apperr.E(apperr.ResourceExhausted, "busy: every queued job was claimed by another dispatcher first; retry")
}

// tryClaim claims the job of snap if its document is still that version.
// It returns (nil, nil) when someone else changed it first.
func (s *JobStore) tryClaim(ctx context.Context, snap *firestore.DocumentSnapshot, c job.Claimant, now time.Time) (*job.Job, error) {
	j, err := decodeJob(snap)
	if err != nil {
		return nil, err
	}
	ev, err := j.ClaimFor(c, now)
	if err != nil {
		return nil, nil // no longer queued (the index lagged): skip it
	}
	j.SchemaVersion, ev.SchemaVersion = schema.Jobs, schema.Events
	err = RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := tx.Update(snap.Ref, fieldUpdates(j), firestore.LastUpdateTime(snap.UpdateTime)); err != nil {
			return err
		}
		return tx.Create(s.eventRef(j.ID, ev.Seq), ev)
	}, MaxAttempts(1))
	switch {
	case err == nil:
		return j, nil
	case lostRace(err):
		return nil, nil
	}
	return nil, err
}

// lostRace reports whether a claim's commit failed because another writer
// changed the job first: the update-time precondition failed, the event
// seq was taken, the job vanished, or (on the emulator) the commit hit
// another transaction's lock.
func lostRace(err error) bool {
	switch status.Code(err) {
	case codes.FailedPrecondition, codes.AlreadyExists, codes.NotFound, codes.Aborted:
		return true
	}
	switch apperr.CodeOf(err) {
	case apperr.ResourceExhausted, apperr.Conflict, apperr.NotFound:
		return true
	}
	return false
}
