package finalize

import (
	"context"
	"errors"
	"log/slog"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
)

// upload applies bytes that arrived at an upload key (object.UploadKey):
// the only key an upload URL can write, never named by a download URL.
//
// While the object is PENDING and the bytes match what was declared, they
// are copied (server-side, create-only) to the object's key, the copy makes
// the object READY, and the uploaded bytes are deleted. Bytes that do not
// match make it REJECTED and are deleted. Bytes at the upload key of an
// object that is no longer PENDING (a redelivery, or a replay of the upload
// URL after the object was revoked or deleted) or that does not exist are
// deleted and change nothing: an upload key is used up by the first upload
// that reaches it, so a replay never becomes readable.
//
// Events are retried on transient failures and may come twice, out of
// order and concurrently: a copy that already landed (a failed earlier
// attempt, a racing delivery) is adopted, not made again; its own event at
// the object's key records the same generation (a duplicate either way).
func (h *Handler) upload(ctx context.Context, log *slog.Logger, obj StorageObject, id ids.ObjectID, a object.Arrival) error {
	o, err := h.readObject(ctx, log, obj, id, a.Generation, "upload of an object that does not exist")
	if o == nil {
		return err
	}
	switch {
	case o.UploadKey != obj.Name:
		log.WarnContext(ctx, "ignoring bytes at an upload key the object does not have")
		return nil
	case o.State != object.Pending:
		return h.deleteBytes(ctx, log, obj, a.Generation, "upload key already used")
	case !o.Matches(a):
		_, _, err := h.opts.ObjectStore.Arrived(ctx, id, obj.Name, a, h.opts.Now())
		if retry(err) {
			return retryLater(ctx, log, err)
		}
		// REJECTED now, or no longer pending meanwhile: the bytes go either way.
		return h.deleteBytes(ctx, log, obj, a.Generation, "rejected upload")
	}
	done, err := h.copyUpload(ctx, log, obj, o, a)
	if err != nil || done {
		return err
	}
	return h.deleteBytes(ctx, log, obj, a.Generation, "upload copied to its object's key")
}

// copyUpload copies matching bytes from the upload key to o's key and
// records their arrival there. done reports that there is nothing left to
// delete at the upload key (its bytes were gone already: another delivery
// finished the work). A transient failure is returned for a retry; what a
// copy leaves behind for an object that moved on is deleted.
func (h *Handler) copyUpload(ctx context.Context, log *slog.Logger, obj StorageObject, o *object.Object, a object.Arrival) (done bool, err error) {
	c, err := h.opts.Copier.Copy(ctx, obj.Bucket, obj.Name, a.Generation, o.Key)
	switch apperr.CodeOf(err) {
	case "":
	case apperr.NotFound:
		log.InfoContext(ctx, "uploaded bytes already gone; another delivery dealt with them")
		return true, nil
	case apperr.Conflict:
		// An earlier attempt (or a racing delivery) copied them: only valet
		// writes at an object's key.
		if c, err = h.opts.Copier.Stat(ctx, obj.Bucket, o.Key); err != nil {
			log.WarnContext(ctx, "copy at the object's key could not be read; the event will be retried", "error", err)
			return false, apperr.Wrap(err, apperr.Unavailable, "object %s: read its key", o.ID)
		}
	default:
		log.WarnContext(ctx, "upload could not be copied to its object's key; the event will be retried", "error", err)
		return false, err
	}
	at := StorageObject{Bucket: obj.Bucket, Name: o.Key}
	got, rejected, err := h.opts.ObjectStore.Arrived(ctx, o.ID, o.Key, object.Arrival{Generation: c.Generation, SizeBytes: c.SizeBytes, MD5: c.MD5}, h.opts.Now())
	switch {
	case err == nil && !rejected:
		log.InfoContext(ctx, "object ready", "sizeBytes", got.SizeBytes)
		return false, nil
	case errors.Is(err, object.ErrDuplicate) && got.State == object.Ready:
		log.InfoContext(ctx, "copy already recorded")
		return false, nil
	case retry(err):
		log.WarnContext(ctx, "database busy or unavailable; the event will be retried", "error", err)
		return false, err
	}
	// The copy does not match, or the object was deleted, expired or
	// revoked meanwhile: the copy is nobody's.
	log.InfoContext(ctx, "object moved on while its upload was copied", "error", err)
	return false, h.deleteBytes(ctx, log, at, c.Generation, "copy of an upload its object no longer takes")
}

// retry reports whether err is transient: Eventarc retries the event.
func retry(err error) bool {
	code := apperr.CodeOf(err)
	return code == apperr.Unavailable || code == apperr.ResourceExhausted
}

// retryLater logs a transient failure and returns it, for Eventarc to
// deliver the event again.
func retryLater(ctx context.Context, log *slog.Logger, err error) error {
	log.WarnContext(ctx, "database busy or unavailable; the event will be retried", "error", err)
	return err
}

// readObject reads object id, whose bytes (at generation) the event of obj
// is about. When it cannot, it answers the event itself and returns no
// object with that answer: the bytes of an object that does not exist are
// deleted (gone says why in the log), a transient failure is returned for
// a retry, anything else is logged and acknowledged.
func (h *Handler) readObject(ctx context.Context, log *slog.Logger, obj StorageObject, id ids.ObjectID, generation int64, gone string) (*object.Object, error) {
	o, err := h.opts.ObjectStore.Get(ctx, id)
	switch {
	case err == nil:
		return o, nil
	case apperr.CodeOf(err) == apperr.NotFound:
		return nil, h.deleteBytes(ctx, log, obj, generation, gone)
	case retry(err):
		return nil, retryLater(ctx, log, err)
	}
	log.ErrorContext(ctx, "object could not be read; acknowledged", "error", err)
	return nil, nil
}
