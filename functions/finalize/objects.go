package finalize

import (
	"context"
	"errors"
	"log/slog"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
)

// sharedObject applies bytes written to the objects bucket to their
// object. At an upload key, see upload. At an object's key (written by
// valet: the copy of an upload or of another object; for objects created
// before upload keys, the upload itself), bytes that match what was
// declared make a PENDING object READY; bytes that do not make it REJECTED
// and are deleted. Bytes no object can own are deleted too (that generation
// only, never a newer one): the object was deleted, or the bytes are at a
// revision a revoke has left behind.
//
// Acknowledged without effect (besides the malformed bodies HandleEvent
// acknowledges): keys valet never hands out, redeliveries (those of a
// rejected upload delete again, in case the first deletion failed), and bytes at a newer revision than the
// object's (a revoke whose copy landed before its metadata moved; its own
// event is then a duplicate).
func (h *Handler) sharedObject(ctx context.Context, log *slog.Logger, obj StorageObject, ja job.Arrival) error {
	_, id, revision, ok := object.ParseKey(obj.Name)
	_, uploadID, isUpload := object.ParseUploadKey(obj.Name)
	if !ok && !isUpload {
		log.WarnContext(ctx, "ignoring object with a key valet did not hand out")
		return nil
	}
	a := object.Arrival{Generation: ja.Generation, SizeBytes: ja.SizeBytes, MD5: ja.MD5}
	if isUpload {
		return h.upload(ctx, log.With("objectId", uploadID), obj, uploadID, a)
	}
	log = log.With("objectId", id)

	o, rejected, err := h.opts.ObjectStore.Arrived(ctx, id, obj.Name, a, h.opts.Now())
	switch {
	case errors.Is(err, object.ErrDuplicate) && o.State == object.Rejected:
		// The deletion after the rejection may have failed: delete again
		// (deleting is idempotent).
		return h.deleteBytes(ctx, log, obj, a.Generation, "rejected upload, redelivered")
	case errors.Is(err, object.ErrDuplicate):
		log.InfoContext(ctx, "duplicate finalize event; nothing to do")
		return nil
	case err == nil && !rejected:
		log.InfoContext(ctx, "object ready", "sizeBytes", o.SizeBytes)
		return nil
	case err == nil:
		// REJECTED is committed; a redelivery is a duplicate and deletes
		// again.
		return h.deleteBytes(ctx, log, obj, a.Generation, "rejected upload")
	}

	switch apperr.CodeOf(err) {
	case apperr.Unavailable, apperr.ResourceExhausted:
		return retryLater(ctx, log, err)
	case apperr.NotFound:
		return h.deleteBytes(ctx, log, obj, a.Generation, "upload of an object that does not exist")
	case apperr.Conflict:
		return h.foreignBytes(ctx, log, obj, id, revision, a.Generation)
	}
	log.ErrorContext(ctx, "finalize event could not be applied; acknowledged", "error", err)
	return nil
}

// foreignBytes decides what happens to bytes the object refused as not its
// own (Arrived's Conflict), by comparing their key with the object's now:
//   - an older revision: left behind by a revoke, garbage → deleted;
//   - a newer revision: a revoke in progress → left for it;
//   - the current key: the generation recorded → nothing to do; another
//     generation written after the object stopped being PENDING → deleted
//     (see object.Object.Arrived).
func (h *Handler) foreignBytes(ctx context.Context, log *slog.Logger, obj StorageObject, id ids.ObjectID, revision, generation int64) error {
	o, err := h.readObject(ctx, log, obj, id, generation, "upload of an object deleted meanwhile")
	if o == nil {
		return err
	}
	log = log.With("revision", revision, "currentRevision", o.Revision)
	switch {
	case revision < o.Revision:
		return h.deleteBytes(ctx, log, obj, generation, "bytes of a revoked revision")
	case revision > o.Revision:
		log.InfoContext(ctx, "bytes of a revoke in progress; left for it")
		return nil
	case obj.Name != o.Key:
		log.WarnContext(ctx, "ignoring bytes under another space's key for this object")
		return nil
	case generation == o.Generation:
		log.InfoContext(ctx, "duplicate finalize event; nothing to do")
		return nil
	}
	return h.deleteBytes(ctx, log, obj, generation, "upload to an object no longer pending")
}

// deleteBytes deletes generation of obj (never a newer one); a failure is
// returned so that Eventarc retries the event.
func (h *Handler) deleteBytes(ctx context.Context, log *slog.Logger, obj StorageObject, generation int64, what string) error {
	if err := h.opts.Objects.Delete(ctx, obj.Bucket, obj.Name, generation); err != nil {
		log.ErrorContext(ctx, "could not delete bytes; the event will be retried", "reason", what, "error", err)
		return err
	}
	log.InfoContext(ctx, "bytes deleted", "reason", what)
	return nil
}
