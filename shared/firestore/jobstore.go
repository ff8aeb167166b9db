package firestore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/schema"
)

// Collections of the job store: jobs/{id} holds the job.Job as is (its
// firestore tags), jobs/{id}/events/{seq} its events, seq zero-padded to 12
// digits so document ids sort like seqs.
const (
	JobsCollection   = "jobs"
	EventsCollection = "events"
)

// The queries below need composite indexes in production (the emulator
// demands none; declare them in Terraform):
//   - ClaimNext: state ==, updatedAt asc;
//   - List: owner == / project in (OR), optional project ==, state ==,
//     ordered createdAt desc, id desc;
//   - Due: state ==/in with uploadDeadline, lock.leaseExpiresAt or
//     deadline <=, ordered by that field asc; state in, secretsHeld ==,
//     finishedAt <= ordered finishedAt asc;
//   - Reusable: equalities only (state, specHash, workspace.md5,
//     runtimeUser), served by merging single-field indexes.

// JobStore is the Firestore job.Store.
type JobStore struct{ store }

var _ job.Store = (*JobStore)(nil)

// NewJobStore returns a job.Store keeping jobs in client's (default)
// database.
func NewJobStore(client *firestore.Client, opts ...StoreOption) *JobStore {
	return &JobStore{newStore(client, opts)}
}

func (s *JobStore) jobRef(id ids.JobID) *firestore.DocumentRef {
	return s.client.Collection(JobsCollection).Doc(string(id))
}

// event is where e of job id is stored and e in its current stored form
// (its SchemaVersion set): the arguments of the Create that writes it.
func (s *JobStore) event(id ids.JobID, e job.Event) (*firestore.DocumentRef, job.Event) {
	e.SchemaVersion = schema.Events
	return s.jobRef(id).Collection(EventsCollection).Doc(fmt.Sprintf("%012d", e.Seq)), e
}

// validID refuses ids Firestore cannot take as a document id.
func validID(id ids.JobID) error {
	if id == "" || strings.Contains(string(id), "/") || id == "." || id == ".." || len(id) > 1500 {
		return apperr.E(apperr.Invalid, "job id %q is not valid", id)
	}
	return nil
}

func notFound(id ids.JobID) error { return apperr.E(apperr.NotFound, "job %s not found", id) }

// Create stores a new job and its first event in one transaction. The
// event's seq and the job's EventSeq are aligned (to at least 1) first. A
// job of a project whose delete has begun (one with a tombstone, see
// ProjectStore) is refused with NotFound, in the same transaction, so a
// job cannot join a project after its delete cancelled the project's jobs.
func (s *JobStore) Create(ctx context.Context, j *job.Job, first job.Event) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := validID(j.ID); err != nil {
		return err
	}
	seq := max(j.EventSeq, first.Seq, 1)
	j.EventSeq, first.Seq = seq, seq
	j.SchemaVersion = schema.Jobs
	err := RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		if j.Project != "" {
			gone, err := deleted(tx, s.client, j.Project)
			if err != nil {
				return err
			}
			if gone {
				return projectNotFound(j.Project)
			}
		}
		if err := tx.Create(s.jobRef(j.ID), j); err != nil {
			return err
		}
		return tx.Create(s.event(j.ID, first))
	})
	if apperr.CodeOf(err) == apperr.Conflict {
		return apperr.Wrap(errors.Unwrap(err), apperr.Conflict, "job %s already exists", j.ID)
	}
	return err
}

// Get returns the job or NotFound.
func (s *JobStore) Get(ctx context.Context, id ids.JobID) (*job.Job, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := validID(id); err != nil {
		return nil, notFound(id)
	}
	return getDoc(ctx, s.jobRef(id), notFound(id), decodeJob)
}

// Update runs fn on the current job in one transaction (see job.Store).
func (s *JobStore) Update(ctx context.Context, id ids.JobID, fn func(j *job.Job) ([]job.Event, error)) (*job.Job, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := validID(id); err != nil {
		return nil, notFound(id)
	}
	var out *job.Job
	var dup bool
	err := RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		out, dup = nil, false
		ref := s.jobRef(id)
		j, err := txDoc(tx, ref, notFound(id), decodeJob)
		if err != nil {
			return err
		}
		events, err := fn(j)
		if errors.Is(err, job.ErrDuplicate) {
			out, dup = j, true
			return nil // read-only: commits nothing
		}
		if err != nil {
			return fnError{err}
		}
		j.SchemaVersion = schema.Jobs
		if err := tx.Set(ref, j); err != nil {
			return err
		}
		for _, e := range events {
			if err := tx.Create(s.event(id, e)); err != nil {
				return err
			}
		}
		out = j
		return nil
	})
	return updated(out, dup, err, job.ErrDuplicate)
}

// updated is the answer of an update whose transaction read out and ended
// with err: the change's own error as it returned it (see fnError), or, when
// the change found it a duplicate (dup), out unchanged with errDup.
func updated[T any](out *T, dup bool, err, errDup error) (*T, error) {
	var fe fnError
	if errors.As(err, &fe) {
		return nil, fe.err
	}
	if err != nil {
		return nil, err
	}
	if dup {
		return out, errDup
	}
	return out, nil
}

// fnError carries fn's own non-apperr error past RunTransaction unchanged
// (as an apperr it would be returned as is anyway).
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// RunTransaction passes *apperr.Error through; for other errors of fn it
// would wrap them as Internal, so fnError poses as one.
func (e fnError) As(target any) bool {
	if p, ok := target.(**apperr.Error); ok {
		*p = &apperr.Error{Code: apperr.Internal, Message: "update function failed", Cause: e}
		return true
	}
	return false
}

func decodeJob(snap *firestore.DocumentSnapshot) (*job.Job, error) {
	return decodeNamed(snap, "job", func(j *job.Job) *ids.JobID { return &j.ID })
}

// storedFields sets j's SchemaVersion to the current stored form's and
// lists every top-level field of j as a firestore.Update, so a
// precondition-guarded Update rewrites the whole job like Set would.
func storedFields(j *job.Job) []firestore.Update {
	j.SchemaVersion = schema.Jobs
	v := reflect.ValueOf(j).Elem()
	t := v.Type()
	ups := make([]firestore.Update, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("firestore"), ",")
		if name == "" || name == "-" {
			continue
		}
		ups = append(ups, firestore.Update{Path: name, Value: v.Field(i).Interface()})
	}
	return ups
}
