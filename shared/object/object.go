// Package object is the shared-object domain as plain Go: the Object record
// of a user's or project's space, its states, its storage keys (the key its
// bytes live at, which download URLs name, and the upload key its single
// upload URL names), and the transitions between states with their
// preconditions. It has no cloud
// imports: bytes never pass through valet (uploads go by signed URL, copies
// are server-side), so an Object only records what storage reports. A Store
// runs each transition inside one transaction together with the space's
// usage counters (its contract is the conformance suite objecttest;
// shared/firestore implements it).
//
// # States
//
//	PENDING --finalize, size and MD5 match--> READY
//	PENDING --finalize, mismatch / upload deadline--> REJECTED
//
// READY and REJECTED are final for the bytes' arrival; a READY object can
// still be re-keyed (revoked) and deleted.
//
// # Errors
//
// A transition whose precondition does not hold returns an *apperr.Error
// with code Conflict (wrong state, another generation, a moved revision) or
// Invalid (bad input), and leaves the object unchanged. A transition that
// already happened returns ErrDuplicate: the caller acknowledges and writes
// nothing.
package object

import (
	"errors"
	"time"

	"valet.dev/valet/shared/ids"
)

// State is where an object is in its life.
type State string

// The states of an object.
const (
	Pending  State = "PENDING"  // created, its bytes not yet arrived
	Ready    State = "READY"    // its bytes arrived and matched what was declared
	Rejected State = "REJECTED" // its bytes did not match, or never came in time
)

// Limits and defaults of objects and spaces.
const (
	// UploadWindow is how long a PENDING object waits for its bytes, and
	// how long its upload URL works.
	UploadWindow = time.Hour
	// DownloadWindow is how long a download URL of a READY object works.
	DownloadWindow = time.Hour
	// DefaultQuotaBytes is a space's quota unless an operator sets another.
	DefaultQuotaBytes int64 = 10 << 30
	// MaxObjectBytes is the largest object (GCS takes 5 TiB; valet less).
	MaxObjectBytes int64 = 5 << 30
)

// ErrDuplicate is returned by a transition that has already happened (the
// same storage generation recorded again, an expiry of an object no longer
// pending): the caller acknowledges it and writes nothing.
var ErrDuplicate = errors.New("object: transition already applied")

// Object is one object of a space. Its bytes live in the objects bucket at
// Key, which callers never see: they get signed URLs.
type Object struct {
	ID             ids.ObjectID `json:"id" firestore:"id"`
	Space          ids.SpaceID  `json:"space" firestore:"space"`
	Name           string       `json:"name" firestore:"name"`
	ContentType    string       `json:"contentType" firestore:"contentType"`
	SizeBytes      int64        `json:"sizeBytes" firestore:"sizeBytes"`
	MD5            string       `json:"md5,omitempty" firestore:"md5"` // base64 of 16 bytes, declared or as stored
	State          State        `json:"state" firestore:"state"`
	CreatedBy      ids.UserID   `json:"createdBy" firestore:"createdBy"`
	CreatedAt      time.Time    `json:"createdAt" firestore:"createdAt"`
	UpdatedAt      time.Time    `json:"updatedAt" firestore:"updatedAt"`
	UploadDeadline time.Time    `json:"uploadDeadline,omitzero" firestore:"uploadDeadline"` // while PENDING
	// Key is the storage key of the bytes (see Key); never shown.
	Key string `json:"-" firestore:"key"`
	// UploadKey is the only key where an upload of the object's bytes is
	// accepted (see UploadKey); never shown. Empty for objects created
	// before upload keys, whose upload URL named Key.
	UploadKey string `json:"-" firestore:"uploadKey"`
	// Revision grows by one at every revoke; it is part of Key.
	Revision int64 `json:"-" firestore:"revision"`
	// Generation is the GCS generation of the bytes at Key once READY (or
	// of the rejected bytes once REJECTED).
	Generation int64 `json:"-" firestore:"generation"`
	// SchemaVersion is the version of the stored form (package schema);
	// the store sets it on every write.
	SchemaVersion int `json:"-" firestore:"schemaVersion"`
}

// Arrival is an object that a storage event (or a server-side copy) says
// was written.
type Arrival struct {
	Generation int64
	SizeBytes  int64
	MD5        string // base64, as GCS reports md5Hash
}

// Keys are the keys where bytes of o may be: its key and, when it has one,
// its upload key. Deleting an object deletes at both.
func (o *Object) Keys() []string {
	if o.UploadKey == "" {
		return []string{o.Key}
	}
	return []string{o.Key, o.UploadKey}
}
