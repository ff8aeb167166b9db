package object

import (
	"context"
	"time"

	"valet.dev/valet/shared/ids"
)

// Page sizes of Store.List and Store.InSpace, and the bound of
// Store.PendingDue.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
	MaxPendingDue   = 1000
)

// Usage is what a space holds: the counters a store keeps with its objects,
// changed in the transaction of every transition.
type Usage struct {
	UsedBytes     int64 // bytes of READY objects
	ReservedBytes int64 // declared bytes of PENDING objects
	Objects       int64 // PENDING and READY objects
}

// Store keeps objects and their spaces' usage. Every change of an object
// runs as one transaction with the change of its space's usage, applying
// one of the transitions of this package. Objects of a project space are
// created only while the project exists and is not being deleted (read in
// the same transaction, so a delete and a create serialize). The
// conformance suite objecttest states the contract as tests; every
// implementation runs it.
//
// # Errors
//
// An absent object, or an id that is not an object id: apperr.NotFound. A
// transition whose precondition fails: this package's error (Conflict,
// Invalid) or ErrDuplicate, with nothing written. Over quota:
// apperr.TooLarge. Bad arguments: apperr.Invalid. Backend failures:
// apperr.Unavailable or apperr.Internal.
type Store interface {
	// Create stores o, which must be PENDING (see New), and reserves its
	// declared bytes in its space. quota < 1 means DefaultQuotaBytes. A
	// space that would then hold more than quota (used + reserved +
	// o.SizeBytes) is TooLarge; a project space whose project is absent or
	// being deleted NotFound; an existing id Conflict.
	Create(ctx context.Context, o *Object, quota int64) error
	// Get returns the object in any state, or NotFound.
	Get(ctx context.Context, id ids.ObjectID) (*Object, error)
	// Usage returns what space holds; zero for a space never used.
	Usage(ctx context.Context, space ids.SpaceID) (Usage, error)
	// Usages returns what each of spaces holds, in one read.
	Usages(ctx context.Context, spaces []ids.SpaceID) ([]Usage, error)
	// Arrived records that bytes (a) were written at key for object id
	// (see Object.Arrived): READY moves its bytes from reserved to used,
	// REJECTED (rejected=true: the caller deletes that generation at key)
	// releases the reservation. key must be the object's current key, else
	// Conflict. The same generation again returns the object and
	// ErrDuplicate.
	Arrived(ctx context.Context, id ids.ObjectID, key string, a Arrival, now time.Time) (o *Object, rejected bool, err error)
	// Delete deletes object id in any state, releases its bytes and count,
	// and returns what was deleted: the caller deletes the bytes at its
	// Key. NotFound when absent.
	Delete(ctx context.Context, id ids.ObjectID) (*Object, error)
	// Rekey revokes a READY object (see Object.Rekey): its revision must
	// still be expectRevision, and it moves to the key of the next
	// revision, where the caller has copied its bytes (generation).
	Rekey(ctx context.Context, id ids.ObjectID, expectRevision, generation int64, now time.Time) (*Object, error)
	// Expire rejects object id if it is PENDING past its upload deadline
	// and releases its reservation; for any other object it writes nothing
	// and returns the object with ErrDuplicate. NotFound when absent.
	Expire(ctx context.Context, id ids.ObjectID, now time.Time) (*Object, error)
	// List returns the PENDING and READY objects of space whose name starts
	// with prefix, ordered by name then id, and the token of the next page
	// ("" at the end). pageSize is 1 to MaxPageSize, 0 meaning
	// DefaultPageSize; a token the store did not issue is Invalid.
	List(ctx context.Context, space ids.SpaceID, prefix string, pageSize int, pageToken string) ([]*Object, string, error)
	// PendingDue returns the ids of up to limit (1 to MaxPendingDue)
	// PENDING objects whose upload deadline is at or before now, oldest
	// deadline first: the sweep's work list for Expire.
	PendingDue(ctx context.Context, now time.Time, limit int) ([]ids.ObjectID, error)
	// InSpace returns up to limit (1 to MaxPageSize) objects of space in
	// any state, REJECTED included: what purging a space must remove.
	InSpace(ctx context.Context, space ids.SpaceID, limit int) ([]*Object, error)
}
