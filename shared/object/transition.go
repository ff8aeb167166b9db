package object

import (
	"time"

	"valet.dev/valet/shared/apperr"
)

// Arrived applies the arrival of bytes at the object's key. A PENDING
// object whose declared size (and MD5, when declared) matches becomes READY
// and records the generation and MD5; otherwise it becomes REJECTED and
// rejected=true tells the caller to delete that generation. The same
// generation again is ErrDuplicate; another generation for an object no
// longer PENDING is Conflict (the caller deletes those bytes).
func (o *Object) Arrived(a Arrival, now time.Time) (rejected bool, err error) {
	if a.Generation <= 0 {
		return false, apperr.E(apperr.Invalid, "an arrival needs the storage generation, got %d", a.Generation)
	}
	if o.State != Pending {
		if o.Generation == a.Generation {
			return false, ErrDuplicate
		}
		return false, apperr.E(apperr.Conflict, "object %s is %s; bytes of generation %d are not its own", o.ID, o.State, a.Generation)
	}
	o.Generation = a.Generation
	o.UpdatedAt = now.UTC()
	o.UploadDeadline = time.Time{}
	if !o.Matches(a) {
		o.State = Rejected
		return true, nil
	}
	if o.MD5 == "" {
		o.MD5 = a.MD5
	}
	o.State = Ready
	return false, nil
}

// Matches reports whether a carries what o declared: its size, and its MD5
// when one was declared.
func (o *Object) Matches(a Arrival) bool {
	return a.SizeBytes == o.SizeBytes && (o.MD5 == "" || a.MD5 == o.MD5)
}

// ArrivedAt is Arrived for bytes written at key, which must be one of the
// object's two keys. At Key, the bytes were written by valet (the copy of
// an upload or of another object; for objects without an UploadKey, the
// upload itself). At UploadKey, the uploader wrote them: they can only
// reject the object, since matching bytes must first be copied to Key
// (Conflict otherwise), so that no download URL ever names a key an
// upload URL can write. Any other key is Conflict: bytes of a revoked
// revision, or of an upload key the object does not have.
func (o *Object) ArrivedAt(key string, a Arrival, now time.Time) (rejected bool, err error) {
	switch {
	case key == o.Key:
	case key != "" && key == o.UploadKey:
		if o.State == Pending && o.Matches(a) {
			return false, apperr.E(apperr.Conflict, "object %s: uploaded bytes are copied to its key before they make it READY", o.ID)
		}
	default:
		return false, apperr.E(apperr.Conflict, "object %s is no longer stored at that key (revision %d now)", o.ID, o.Revision)
	}
	return o.Arrived(a, now)
}

// Expire rejects a PENDING object whose upload deadline is at or before
// now. For any other object (no longer pending, or still in its window) it
// changes nothing and returns ErrDuplicate: there is nothing to expire.
func (o *Object) Expire(now time.Time) error {
	if o.State != Pending || o.UploadDeadline.After(now) {
		return ErrDuplicate
	}
	o.State = Rejected
	o.UpdatedAt = now.UTC()
	o.UploadDeadline = time.Time{}
	return nil
}

// Rekey moves a READY object's bytes to the key of the next revision (a
// revoke: download URLs signed for the old key stop working once its bytes
// are deleted). generation is the GCS generation of the bytes copied to the
// new key. Conflict when the object is not READY or its revision is no
// longer expectRevision (another revoke won).
func (o *Object) Rekey(expectRevision, generation int64, now time.Time) error {
	if o.State != Ready {
		return apperr.E(apperr.Conflict, "object %s is %s; only READY objects can be revoked", o.ID, o.State)
	}
	if o.Revision != expectRevision {
		return apperr.E(apperr.Conflict, "object %s was revoked meanwhile (revision %d, not %d); retry", o.ID, o.Revision, expectRevision)
	}
	if generation <= 0 {
		return apperr.E(apperr.Invalid, "a rekey needs the storage generation of the copy, got %d", generation)
	}
	o.Revision++
	o.Key = Key(o.Space, o.ID, o.Revision)
	o.Generation = generation
	o.UpdatedAt = now.UTC()
	return nil
}

// Counted reports whether the object counts in its space's usage (objects
// count and used or reserved bytes): PENDING and READY objects do.
func (o *Object) Counted() bool { return o.State == Pending || o.State == Ready }
