package firestore

import (
	"context"
	"math/rand/v2"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// Claim tuning: the first round reads the claimCandidates oldest queued
// jobs and tries one of them at random; every later round reads
// claimWindow queued jobs from a random job id on and tries claimTries of
// them; after claimRounds rounds the claim answers "busy; retry".
const (
	claimCandidates = 20
	claimWindow     = 4
	claimTries      = 2
	claimRounds     = 30
)

// ClaimNext claims a queued job for c, one of the oldest when no other
// dispatcher races for it, or returns (nil, nil) when none is queued.
//
// Concurrent dispatchers must not all fight over the oldest documents: a
// claim that loses the race has paid a commit for nothing, and at 16
// dispatchers over the claimCandidates oldest jobs most attempts lost
// (about 210 failed preconditions per 240 claims, p99 15× the p50). So
// ClaimNext is optimistic, lock-free on reads, and spreads out once it
// has lost:
//
//  1. a plain query reads the claimCandidates jobs queued first (ordered by
//     updatedAt, which is the queue time while a job is QUEUED: every
//     transition stamps it and none applies to a queued job but Claim,
//     Cancel and Sweep, which all leave QUEUED), and one of them, picked at
//     random, is tried: job.Claim is applied to the snapshot the query
//     returned and written in one atomic commit (job and LOCKED event)
//     under the precondition that the document is unchanged since that
//     snapshot (its update time). A claimer that lost the race gets
//     FailedPrecondition at once;
//  2. having lost, it reads claimWindow queued jobs in id order from a
//     random job id (job ids are random, so racing claimers land on
//     different parts of the queue) and tries claimTries of them;
//  3. and again, at most claimRounds rounds, then ResourceExhausted
//     "busy; retry".
//
// Exactly-once follows from the precondition: a job's document can move
// from a given version to LOCKED only once. The trade-off is fairness:
// without contention a claim takes one of the claimCandidates oldest jobs;
// under contention, losers take random queued jobs, so the oldest are
// claimed first on average, not strictly first. Both queries need only
// Firestore's automatic single-field indexes.
func (s *JobStore) ClaimNext(ctx context.Context, c job.Claimant, now time.Time) (*job.Job, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	for round := range claimRounds {
		snaps, err := s.claimCandidates(ctx, round)
		if err != nil {
			return nil, readError(ctx, err)
		}
		if len(snaps) == 0 {
			return nil, nil
		}
		rand.Shuffle(len(snaps), func(a, b int) { snaps[a], snaps[b] = snaps[b], snaps[a] })
		tries := claimTries
		if round == 0 {
			tries = 1 // one of the oldest; having lost, spread out
		}
		for _, snap := range snaps[:min(len(snaps), tries)] {
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

// claimCandidates reads the jobs a claimer tries in a round: in the first,
// the oldest queued ones; later, the window of the queue that starts at a
// random job id (wrapping to the start of the queue when the window starts
// past its last id).
func (s *JobStore) claimCandidates(ctx context.Context, round int) ([]*firestore.DocumentSnapshot, error) {
	queued := s.client.Collection(JobsCollection).Where("state", "==", string(job.Queued))
	if round == 0 {
		return queued.OrderBy("updatedAt", firestore.Asc).Limit(claimCandidates).Documents(ctx).GetAll()
	}
	byID := queued.OrderBy(firestore.DocumentID, firestore.Asc).Limit(claimWindow)
	snaps, err := byID.StartAt(string(ids.NewJobID())).Documents(ctx).GetAll()
	if err != nil || len(snaps) > 0 {
		return snaps, err
	}
	return byID.Documents(ctx).GetAll()
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
	// One atomic commit of both writes, without a transaction: nothing is
	// read, so a transaction would only add its BeginTransaction round trip.
	//lint:ignore SA1019 WriteBatch is the one atomic multi-document write without a transaction.
	batch := s.client.Batch()
	_, err = batch.Update(snap.Ref, storedFields(j), firestore.LastUpdateTime(snap.UpdateTime)).
		Create(s.event(j.ID, ev)).Commit(ctx)
	switch {
	case err == nil:
		return j, nil
	case lostRace(err):
		return nil, nil
	}
	return nil, transactionError(ctx, err)
}

// lostRace reports whether a claim's commit failed because another writer
// changed the job first: the update-time precondition failed, the event
// seq was taken, the job vanished, or (on the emulator) the commit hit
// another transaction's lock.
func lostRace(err error) bool {
	if isStaleWrite(err) {
		return true
	}
	switch apperr.CodeOf(err) {
	case apperr.ResourceExhausted, apperr.Conflict, apperr.NotFound:
		return true
	}
	return false
}
