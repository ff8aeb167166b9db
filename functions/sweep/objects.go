package sweep

import (
	"context"
	"errors"
	"net/http"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/purge"
)

// objects expires the shared objects whose upload window ended without
// their bytes: each becomes REJECTED (its quota reservation released) and
// whatever bytes a late upload left at its upload key (or finalize's copy
// at its key) are deleted. Does nothing
// when the objects bucket is not configured.
func (s *server) objects(r *http.Request, now time.Time, res *Result) {
	if s.objectStore == nil || s.objectsBucket == "" {
		return
	}
	ctx := r.Context()
	due := func() ([]ids.ObjectID, error) { return s.objectStore.PendingDue(ctx, now, s.batch) }
	each(ctx, res, "pending objects could not be listed; the next run retries", due, func(id ids.ObjectID) {
		if err := s.expireObject(ctx, id, now); err != nil {
			res.fail(ctx, "pending object not expired; the next run retries", "object", id, "error", err)
			return
		}
		res.ExpiredObjects++
	})
}

func (s *server) expireObject(ctx context.Context, id ids.ObjectID, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, perJobTimeout)
	defer cancel()
	o, err := s.objectStore.Expire(ctx, id, now)
	switch {
	case errors.Is(err, object.ErrDuplicate), apperr.CodeOf(err) == apperr.NotFound:
		return nil // arrived meanwhile, or deleted
	case err != nil:
		return err
	}
	for _, key := range o.Keys() {
		if err := s.storage.Delete(ctx, s.objectsBucket, key, 0); err != nil {
			return err
		}
	}
	return nil
}

// projects finishes the deletes of projects that began but failed half-way
// (DELETE /projects/{p} marks the project deleting first): their objects
// are purged, their jobs that are not final cancelled and their records
// deleted (project.Store.FinishDelete).
func (s *server) projects(r *http.Request, now time.Time, res *Result) {
	if s.projectStore == nil || s.objectStore == nil || s.objectsBucket == "" {
		return
	}
	ctx := r.Context()
	deleting := func() ([]ids.ProjectID, error) { return s.projectStore.Deleting(ctx, s.batch) }
	each(ctx, res, "projects being deleted could not be listed; the next run retries", deleting, func(pid ids.ProjectID) {
		if err := purge.Space(ctx, s.objectStore, s.storage, s.objectsBucket, ids.ProjectSpace(pid)); err != nil {
			res.fail(ctx, "objects of a deleted project not purged; the next run retries", "project", pid, "error", err)
			return
		}
		if err := s.projectStore.FinishDelete(ctx, pid, now); err != nil {
			res.fail(ctx, "project delete not finished; the next run retries", "project", pid, "error", err)
			return
		}
		res.DeletedProjects++
	})
}

// each calls do on every item list returns, until ctx ends (the rest wait
// for the next run). A failed listing is counted and logged as unlisted.
func each[T any](ctx context.Context, res *Result, unlisted string, list func() ([]T, error), do func(T)) {
	items, err := list()
	if err != nil {
		res.fail(ctx, unlisted, "error", err)
		return
	}
	for _, item := range items {
		if ctx.Err() != nil {
			return
		}
		do(item)
	}
}
