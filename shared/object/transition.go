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
	if a.SizeBytes != o.SizeBytes || (o.MD5 != "" && a.MD5 != o.MD5) {
		o.State = Rejected
		return true, nil
	}
	if o.MD5 == "" {
		o.MD5 = a.MD5
	}
	o.State = Ready
	return false, nil
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
