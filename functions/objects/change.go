package objects

import (
	"errors"
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
)

// copyRequest is the body of POST /objects/{id}/copy.
type copyRequest struct {
	Space string `json:"space"`
	Name  string `json:"name"`
}

// copyObject serves POST /objects/{id}/copy {space, name?}: a new READY
// object in a space the caller may write, its bytes copied by Cloud
// Storage (never through the function) and counted against that space's
// quota. The copy keeps the source's name unless name is given.
func (h *handler) copyObject(w http.ResponseWriter, r *http.Request) error {
	p, src, err := h.loadObject(r, access.ReadObject)
	if err != nil {
		return err
	}
	var req copyRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if req.Space == "" {
		return apperr.E(apperr.Invalid, `space is required: the space to copy into, "users/<uid>" or "projects/<pid>"`)
	}
	space, err := ids.ParseSpaceID(req.Space)
	if err != nil {
		return err
	}
	if src.State != object.Ready {
		return apperr.E(apperr.Conflict, "object %s is %s; only uploaded objects can be copied", src.ID, src.State)
	}
	if err := h.authorize(r, p, access.CreateObject, access.ObjectResource(space), spaceNotFound(space)); err != nil {
		return err
	}
	name := req.Name
	if name == "" {
		name = src.Name
	}
	dst, err := object.New(space, name, src.ContentType, src.SizeBytes, src.MD5, ids.UserID(p.ID), h.clock())
	if err != nil {
		return err
	}
	if err := h.objects.Create(r.Context(), dst, h.quota); err != nil {
		return err
	}
	copied, err := h.storage.Copy(r.Context(), h.bucket, src.Key, src.Generation, dst.Key)
	if err != nil {
		h.abandon(r, dst, 0)
		return err
	}
	done, rejected, err := h.objects.Arrived(r.Context(), dst.ID, dst.Key, object.Arrival{Generation: copied.Generation, SizeBytes: copied.SizeBytes, MD5: copied.MD5}, h.clock())
	if errors.Is(err, object.ErrDuplicate) && done != nil {
		// finalize saw the copy's bytes first and recorded them.
		err, rejected = nil, done.State != object.Ready
	}
	if err == nil && rejected {
		err = apperr.E(apperr.Conflict, "the copy of object %s does not match its source; try again", src.ID)
	}
	if err != nil {
		h.abandon(r, dst, copied.Generation)
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, done)
	return nil
}

// abandon removes a copy that did not complete: its bytes (generation, when
// the copy wrote them) and its metadata, releasing its quota. A failure is
// logged and left to the sweep, which expires pending objects.
func (h *handler) abandon(r *http.Request, o *object.Object, generation int64) {
	ctx := r.Context()
	if generation > 0 {
		if err := h.storage.Delete(ctx, h.bucket, o.Key, generation); err != nil {
			httpapi.LoggerFrom(ctx).WarnContext(ctx, "bytes of a failed copy not deleted", "object", o.ID, "error", err)
		}
	}
	if _, err := h.objects.Delete(ctx, o.ID); err != nil && apperr.CodeOf(err) != apperr.NotFound {
		httpapi.LoggerFrom(ctx).WarnContext(ctx, "failed copy not cleaned up; the sweep expires it", "object", o.ID, "error", err)
	}
}

// revoke serves POST /objects/{id}/revoke: the bytes move to a new storage
// key (a server-side copy, then the old key is deleted), so every download
// URL handed out before stops working. New download URLs work at once.
func (h *handler) revoke(w http.ResponseWriter, r *http.Request) error {
	_, o, err := h.loadObject(r, access.WriteObject)
	if err != nil {
		return err
	}
	if o.State != object.Ready {
		return apperr.E(apperr.Conflict, "object %s is %s; only uploaded objects have download URLs to revoke", o.ID, o.State)
	}
	newKey := object.Key(o.Space, o.ID, o.Revision+1)
	copied, err := h.storage.Copy(r.Context(), h.bucket, o.Key, o.Generation, newKey)
	if err != nil {
		return err
	}
	moved, err := h.objects.Rekey(r.Context(), o.ID, o.Revision, copied.Generation, h.clock())
	if err != nil {
		// Someone revoked or deleted it first: drop our copy.
		_ = h.storage.Delete(r.Context(), h.bucket, newKey, copied.Generation)
		return err
	}
	if err := h.storage.Delete(r.Context(), h.bucket, o.Key, 0); err != nil {
		return apperr.Wrap(err, apperr.Unavailable, "object %s has a new key but its old bytes could not be deleted, so old URLs may still work; revoke again", o.ID)
	}
	h.audit.Write(r.Context(), audit.Of(o.Space, audit.ObjectRevoked, "objects/"+string(o.ID)))
	httpapi.WriteJSON(w, http.StatusOK, moved)
	return nil
}

// deleteObject serves DELETE /objects/{id}: the bytes (at its key and its
// upload key), then the metadata (releasing the space's quota). Bytes go
// first, so a failure leaves an object whose delete can be retried, never
// bytes nobody can reach; bytes recorded in between (a finalize copy, a
// revoke) are deleted once the record is gone.
func (h *handler) deleteObject(w http.ResponseWriter, r *http.Request) error {
	_, o, err := h.loadObject(r, access.WriteObject)
	if err != nil {
		return err
	}
	for _, key := range o.Keys() {
		if err := h.storage.Delete(r.Context(), h.bucket, key, 0); err != nil {
			return err
		}
	}
	gone, err := h.objects.Delete(r.Context(), o.ID)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return err
	}
	if gone != nil && (gone.Generation != o.Generation || gone.Key != o.Key) {
		// Bytes arrived (or a revoke landed) between our deletion and the
		// record's: delete what the record pointed at when it went.
		if err := h.storage.Delete(r.Context(), h.bucket, gone.Key, gone.Generation); err != nil {
			return err
		}
	}
	h.audit.Write(r.Context(), audit.Of(o.Space, audit.ObjectDeleted, "objects/"+string(o.ID)))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
