package firestore

import (
	"context"
	"errors"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/schema"
)

// Collections of the object store (a contract other stores rely on):
//   - objects/{id}: the object.Object as is (its firestore tags);
//   - spaces/{space id with '/' replaced by ':'}: the space's usage,
//     {space, usedBytes (READY bytes), reservedBytes (PENDING bytes),
//     objects (PENDING and READY objects)}; an absent doc is all zero.
//
// Every change of an object and of its space's usage happens in one
// transaction. Objects of a project space are created only while
// projects/{pid} exists without "deleting" (read in the same transaction,
// so a concurrent BeginDelete of the ProjectStore and a Create serialize).
//
// Queries needing composite indexes in production (the emulator demands
// none; declare them in Terraform): List (space ==, state in, name >=,
// ordered name, id); PendingDue (state ==, uploadDeadline <=, ordered
// uploadDeadline).
const (
	ObjectsCollection = "objects"
	SpacesCollection  = "spaces"
)

// ObjectStore is object.Store in Firestore: objects and their spaces'
// usage (errors as object.Store states them; database failures as
// RunTransaction maps them).
type ObjectStore struct{ store }

var _ object.Store = (*ObjectStore)(nil)

// NewObjectStore returns an ObjectStore on c's (default) database.
func NewObjectStore(c *firestore.Client, opts ...StoreOption) *ObjectStore {
	return &ObjectStore{newStore(c, opts)}
}

// spaceUsageDoc is the stored form of spaces/{docID}.
type spaceUsageDoc struct {
	Space         ids.SpaceID `firestore:"space"`
	UsedBytes     int64       `firestore:"usedBytes"`
	ReservedBytes int64       `firestore:"reservedBytes"`
	Objects       int64       `firestore:"objects"`
	SchemaVersion int         `firestore:"schemaVersion"`
}

// SpaceDocID is the document id of space's usage in SpacesCollection.
func SpaceDocID(space ids.SpaceID) string { return strings.ReplaceAll(string(space), "/", ":") }

func (s *ObjectStore) objectRef(id ids.ObjectID) *firestore.DocumentRef {
	return s.client.Collection(ObjectsCollection).Doc(string(id))
}

func (s *ObjectStore) usageRef(space ids.SpaceID) *firestore.DocumentRef {
	return s.client.Collection(SpacesCollection).Doc(SpaceDocID(space))
}

func objectNotFound(id ids.ObjectID) error {
	return apperr.E(apperr.NotFound, "object %s not found", id)
}

// validObjectID refuses ids that are not object ids before Firestore sees
// them (they could not name an object anyway).
func validObjectID(id ids.ObjectID) error {
	if _, err := ids.ParseObjectID(string(id)); err != nil {
		return objectNotFound(id)
	}
	return nil
}

func decodeObject(snap *firestore.DocumentSnapshot) (*object.Object, error) {
	return decodeNamed(snap, "object", func(o *object.Object) *ids.ObjectID { return &o.ID })
}

// txObject reads an object in tx; NotFound when absent.
func (s *ObjectStore) txObject(tx *firestore.Transaction, id ids.ObjectID) (*object.Object, error) {
	return txDoc(tx, s.objectRef(id), objectNotFound(id), decodeObject)
}

// txUsage reads a space's usage in tx; zero when absent.
func (s *ObjectStore) txUsage(tx *firestore.Transaction, space ids.SpaceID) (spaceUsageDoc, error) {
	snap, err := tx.Get(s.usageRef(space))
	return usageOf(snap, err, space)
}

// release takes a counted object (as it was before a change) out of u.
func release(u *spaceUsageDoc, o *object.Object) {
	switch o.State {
	case object.Pending:
		u.ReservedBytes -= o.SizeBytes
	case object.Ready:
		u.UsedBytes -= o.SizeBytes
	default:
		return
	}
	u.Objects--
}

// requireLiveProject refuses a project space whose project is absent or
// being deleted; user spaces always exist.
func (s *ObjectStore) requireLiveProject(tx *firestore.Transaction, space ids.SpaceID) error {
	pid, ok := space.Project()
	if !ok {
		return nil
	}
	_, err := liveProject(tx, s.client, pid)
	return err
}

// Create stores o, which must be PENDING (see object.New), and reserves its
// declared bytes in its space, in one transaction. quota < 1 means
// object.DefaultQuotaBytes. A space that would then hold more than quota
// (used + reserved + o.SizeBytes) is TooLarge; a project space whose
// project is absent or being deleted NotFound; an existing id Conflict.
func (s *ObjectStore) Create(ctx context.Context, o *object.Object, quota int64) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if quota < 1 {
		quota = object.DefaultQuotaBytes
	}
	if err := validObjectID(o.ID); err != nil {
		return apperr.E(apperr.Invalid, "object id %q is not valid", o.ID)
	}
	if _, err := ids.ParseSpaceID(string(o.Space)); err != nil {
		return err
	}
	if o.State != object.Pending || o.SizeBytes < 0 {
		return apperr.E(apperr.Invalid, "only PENDING objects of a size of at least 0 are created, not %s of %d bytes", o.State, o.SizeBytes)
	}
	err := RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		if err := s.requireLiveProject(tx, o.Space); err != nil {
			return err
		}
		u, err := s.txUsage(tx, o.Space)
		if err != nil {
			return err
		}
		if total := u.UsedBytes + u.ReservedBytes + o.SizeBytes; total > quota {
			return apperr.E(apperr.TooLarge, "space %s would hold %d bytes, over its quota of %d bytes; delete objects or ask an operator", o.Space, total, quota)
		}
		u.ReservedBytes += o.SizeBytes
		u.Objects++
		o.SchemaVersion, u.SchemaVersion = schema.Objects, schema.Spaces
		if err := tx.Create(s.objectRef(o.ID), o); err != nil {
			return err
		}
		return tx.Set(s.usageRef(o.Space), u)
	})
	if apperr.CodeOf(err) == apperr.Conflict {
		return apperr.Wrap(errors.Unwrap(err), apperr.Conflict, "object %s already exists", o.ID)
	}
	return err
}

// Get returns the object (in any state) or NotFound.
func (s *ObjectStore) Get(ctx context.Context, id ids.ObjectID) (*object.Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := validObjectID(id); err != nil {
		return nil, err
	}
	return getDoc(ctx, s.objectRef(id), objectNotFound(id), decodeObject)
}

// Usage returns what space holds; zero for a space never used.
func (s *ObjectStore) Usage(ctx context.Context, space ids.SpaceID) (object.Usage, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	u, err := s.Usages(ctx, []ids.SpaceID{space})
	if err != nil {
		return object.Usage{}, err
	}
	return u[0], nil
}

// Usages returns what each of spaces holds, in one read.
func (s *ObjectStore) Usages(ctx context.Context, spaces []ids.SpaceID) ([]object.Usage, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	refs := make([]*firestore.DocumentRef, len(spaces))
	for i, space := range spaces {
		if _, err := ids.ParseSpaceID(string(space)); err != nil {
			return nil, err
		}
		refs[i] = s.usageRef(space)
	}
	snaps, err := s.client.GetAll(ctx, refs)
	if err != nil {
		return nil, readError(ctx, err)
	}
	out := make([]object.Usage, len(spaces))
	for i, snap := range snaps {
		if !snap.Exists() {
			continue
		}
		u, err := usageOf(snap, nil, spaces[i])
		if err != nil {
			return nil, err
		}
		out[i] = object.Usage{UsedBytes: u.UsedBytes, ReservedBytes: u.ReservedBytes, Objects: u.Objects}
	}
	return out, nil
}

// update runs change on object id and its space's usage in one
// transaction and writes both, unless change returns an error (returned as
// is; object.ErrDuplicate returns the object unchanged with it). When
// remove is true the object's document is deleted instead of written.
func (s *ObjectStore) update(ctx context.Context, id ids.ObjectID, change func(o *object.Object, u *spaceUsageDoc) (remove bool, err error)) (*object.Object, error) {
	if err := validObjectID(id); err != nil {
		return nil, err
	}
	var out *object.Object
	var dup bool
	err := RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		out, dup = nil, false
		o, err := s.txObject(tx, id)
		if err != nil {
			return err
		}
		u, err := s.txUsage(tx, o.Space)
		if err != nil {
			return err
		}
		remove, err := change(o, &u)
		if errors.Is(err, object.ErrDuplicate) {
			out, dup = o, true
			return nil // commits nothing
		}
		if err != nil {
			return fnError{err}
		}
		o.SchemaVersion, u.SchemaVersion = schema.Objects, schema.Spaces
		if remove {
			err = tx.Delete(s.objectRef(id))
		} else {
			err = tx.Set(s.objectRef(id), o)
		}
		if err != nil {
			return err
		}
		out = o
		return tx.Set(s.usageRef(o.Space), u)
	})
	return updated(out, dup, err, object.ErrDuplicate)
}

// Arrived records that bytes (a) were written at key for object id (see
// object.Object.ArrivedAt): READY moves its bytes from reserved to used,
// REJECTED (rejected=true: the caller deletes that generation at key)
// releases the reservation. key must be the object's current key (or its
// upload key, for bytes that reject it), else Conflict: bytes at an older
// key (or at a newer one while a revoke is under way; compare revisions
// with object.ParseKey) are not the object's.
// The same generation again returns the object and object.ErrDuplicate.
func (s *ObjectStore) Arrived(ctx context.Context, id ids.ObjectID, key string, a object.Arrival, now time.Time) (o *object.Object, rejected bool, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	o, err = s.update(ctx, id, func(o *object.Object, u *spaceUsageDoc) (bool, error) {
		before := *o
		rej, err := o.ArrivedAt(key, a, now)
		if err != nil {
			return false, err
		}
		rejected = rej
		release(u, &before)
		if o.State == object.Ready {
			u.UsedBytes += o.SizeBytes
			u.Objects++
		}
		return false, nil
	})
	return o, rejected, err
}

// Delete deletes object id (in any state) and releases its bytes and count
// from its space, in one transaction, and returns what was deleted: the
// caller deletes the bytes at its Key. NotFound when absent.
func (s *ObjectStore) Delete(ctx context.Context, id ids.ObjectID) (*object.Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.update(ctx, id, func(o *object.Object, u *spaceUsageDoc) (bool, error) {
		release(u, o)
		return true, nil
	})
}

// Rekey revokes a READY object: its revision must still be expectRevision
// (else Conflict), it moves to the key of the next revision, where the
// caller has copied its bytes (generation). The caller then deletes the
// bytes at the old key. See object.Object.Rekey.
func (s *ObjectStore) Rekey(ctx context.Context, id ids.ObjectID, expectRevision, generation int64, now time.Time) (*object.Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.update(ctx, id, func(o *object.Object, _ *spaceUsageDoc) (bool, error) {
		return false, o.Rekey(expectRevision, generation, now)
	})
}

// Expire rejects object id if it is PENDING past its upload deadline and
// releases its reservation. For any other object it writes nothing and
// returns the object with object.ErrDuplicate (nothing to expire: it
// arrived, was rejected, or is still in its window). NotFound when absent.
// The caller deletes any bytes at its Key.
func (s *ObjectStore) Expire(ctx context.Context, id ids.ObjectID, now time.Time) (*object.Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.update(ctx, id, func(o *object.Object, u *spaceUsageDoc) (bool, error) {
		before := *o
		if err := o.Expire(now); err != nil {
			return false, err
		}
		release(u, &before)
		return false, nil
	})
}
