package firestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// deleteBatchMembers is how many members one FinishDelete transaction
// removes: two writes each (member, membership), under Firestore's 500.
const deleteBatchMembers = 200

// BeginDelete marks the project deleting and writes its tombstone, in a
// transaction that also reads the usage of its space
// (spaces/projects:<pid>), so the objects store, which refuses new objects
// in a deleting project, and the job store, which refuses new jobs in a
// tombstoned one, cannot race it. From then on Get and Members answer
// NotFound, Role answers None, member changes are refused, and the id can
// never be created again. Marking an already deleting project again does
// nothing.
//
// Errors: Invalid for a bad pid; NotFound when the project is absent;
// Conflict when its space still holds objects and force is false.
func (s *ProjectStore) BeginDelete(ctx context.Context, pid ids.ProjectID, force bool) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkProjectID(pid); err != nil {
		return err
	}
	return RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		d, err := txDoc(tx, s.projectRef(pid), projectNotFound(pid), decodeProject)
		if err != nil {
			return err
		}
		if d.Deleting {
			return nil
		}
		objects, err := s.spaceObjects(tx, pid)
		if err != nil {
			return err
		}
		if objects > 0 && !force {
			return apperr.E(apperr.Conflict, "project %s still holds %d objects; delete them or pass force=true", pid, objects)
		}
		if err := tx.Set(tombstoneRef(s.client, pid), newTombstone(pid)); err != nil {
			return err
		}
		return tx.Update(s.projectRef(pid), []firestore.Update{{Path: "deleting", Value: true}})
	})
}

// spaceObjects reads the objects count of the project's space in tx (0 when
// the usage doc is absent).
func (s *ProjectStore) spaceObjects(tx *firestore.Transaction, pid ids.ProjectID) (int64, error) {
	space := ids.ProjectSpace(pid)
	snap, err := tx.Get(s.client.Collection(SpacesCollection).Doc(SpaceDocID(space)))
	u, err := usageOf(snap, err, space)
	return u.Objects, err
}

// FinishDelete cancels the project's jobs that are not final (see
// CancelProjectJobs), removes the members and memberships of a project
// marked by BeginDelete, in transactions of deleteBatchMembers members, then
// the project doc; the tombstone stays. It leaves the project's objects and
// space usage to the objects store. Running it again, or on an absent
// project, does nothing.
//
// Errors: Invalid for a bad pid; Conflict when the project exists and is
// not being deleted (call BeginDelete first).
func (s *ProjectStore) FinishDelete(ctx context.Context, pid ids.ProjectID, now time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkProjectID(pid); err != nil {
		return err
	}
	if err := RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		return s.requireDeleting(tx, pid, true)
	}); err != nil {
		return err
	}
	if err := s.cancelJobs(ctx, pid, now); err != nil {
		return err
	}
	for {
		done, err := s.deleteMemberBatch(ctx, pid)
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	return RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := s.requireDeleting(tx, pid, false); err != nil {
			return err
		}
		return tx.Delete(s.projectRef(pid))
	})
}

// deleteMemberBatch removes up to deleteBatchMembers members and their
// memberships, reporting whether none were left.
func (s *ProjectStore) deleteMemberBatch(ctx context.Context, pid ids.ProjectID) (done bool, err error) {
	err = RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := s.requireDeleting(tx, pid, false); err != nil {
			return err
		}
		snaps, err := tx.Documents(s.projectRef(pid).Collection(MembersCollection).Limit(deleteBatchMembers)).GetAll()
		if err != nil {
			return err
		}
		done = len(snaps) == 0
		for _, snap := range snaps {
			if err := tx.Delete(snap.Ref); err != nil {
				return err
			}
			if err := tx.Delete(s.membershipRef(pid, ids.UserID(snap.Ref.ID))); err != nil {
				return err
			}
		}
		return nil
	})
	return done, err
}

// requireDeleting reads the project in tx and refuses one that exists and is
// not being deleted; an absent project passes (its members are gone too).
// With tombstone it also writes the tombstone of a project being deleted,
// for deletes begun before BeginDelete wrote one.
func (s *ProjectStore) requireDeleting(tx *firestore.Transaction, pid ids.ProjectID, tombstone bool) error {
	d, err := txDoc(tx, s.projectRef(pid), nil, decodeProject)
	if err != nil {
		return err
	}
	if d != nil && !d.Deleting {
		return apperr.E(apperr.Conflict, "project %s is not being deleted; call BeginDelete first", pid)
	}
	if d != nil && tombstone {
		return tx.Set(tombstoneRef(s.client, pid), newTombstone(pid))
	}
	return nil
}

// Deleting returns up to limit ids of projects whose delete began but did
// not finish (BeginDelete without FinishDelete): the sweep completes them.
func (s *ProjectStore) Deleting(ctx context.Context, limit int) ([]ids.ProjectID, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkLimit(limit, 1000); err != nil {
		return nil, err
	}
	return queryIDs[ids.ProjectID](ctx, s.client.Collection(ProjectsCollection).Where("deleting", "==", true).Select().Limit(limit))
}

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
	if IsNotFound(err) {
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
