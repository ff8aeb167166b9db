package firestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/schema"
)

// The audit store's collection (a contract Terraform relies on):
// spaces/{space id with '/' replaced by ':'}/audit/{entry id}, the
// audit.Entry as is (its firestore tags) plus expireAt, the field of the
// TTL policy on the "audit" collection group (terraform/audit.tf): Firestore
// deletes an entry some time after expireAt ("Manage data retention with TTL
// policies", https://cloud.google.com/firestore/docs/ttl; the emulator
// ignores TTL, so List also skips what has expired). A space's usage
// document (ObjectStore) may not exist; its audit subcollection does not
// need it.
//
// List orders by time then document id, both descending: Firestore's
// automatic single-field index on time serves it (the document id is
// implicitly the last order, in the direction of the last order-by), so no
// composite index is declared.
const AuditCollection = "audit"

// AuditStore is audit.Log in Firestore: the queryable copy of audit
// entries.
type AuditStore struct {
	store
	now func() time.Time
}

var _ audit.Log = (*AuditStore)(nil)

// NewAuditStore returns an AuditStore on c's (default) database.
func NewAuditStore(c *firestore.Client, opts ...StoreOption) *AuditStore {
	return &AuditStore{store: newStore(c, opts), now: time.Now}
}

// auditDoc is the stored form of an entry.
type auditDoc struct {
	audit.Entry
	ExpireAt      time.Time `firestore:"expireAt"`
	SchemaVersion int       `firestore:"schemaVersion"`
}

func (s *AuditStore) entries(space ids.SpaceID) *firestore.CollectionRef {
	return s.client.Collection(SpacesCollection).Doc(SpaceDocID(space)).Collection(AuditCollection)
}

// Add stores e under e.Space (which must be a space id), to expire at
// expireAt. Adding the same entry twice keeps one.
func (s *AuditStore) Add(ctx context.Context, e audit.Entry, expireAt time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := ids.ParseSpaceID(string(e.Space)); err != nil {
		return err
	}
	if err := audit.ParseID(e.ID); err != nil {
		return err
	}
	_, err := s.entries(e.Space).Doc(e.ID).Set(ctx, auditDoc{Entry: e, ExpireAt: expireAt.UTC(), SchemaVersion: schema.Audit})
	if err != nil {
		return readError(ctx, err)
	}
	return nil
}

// auditCursor is the position after the last entry of a page.
type auditCursor struct {
	Time time.Time `json:"t"`
	ID   string    `json:"i"`
}

// List implements audit.Log: expired entries the TTL has not deleted yet
// are skipped here.
func (s *AuditStore) List(ctx context.Context, space ids.SpaceID, size int, pageToken string) ([]audit.Entry, string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := ids.ParseSpaceID(string(space)); err != nil {
		return nil, "", err
	}
	size, err := pageSize(size, audit.DefaultPageSize, audit.MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	q := s.entries(space).OrderBy("time", firestore.Desc).OrderBy(firestore.DocumentID, firestore.Desc)
	if pageToken != "" {
		var c auditCursor
		if err := decodeToken(pageToken, &c); err != nil {
			return nil, "", err
		}
		if audit.ParseID(c.ID) != nil || !storable(c.Time) {
			return nil, "", errBadToken
		}
		q = q.StartAfter(c.Time, c.ID)
	}
	now := s.now()
	out := []audit.Entry{}
	// Expired entries the TTL has not deleted yet are skipped, so a page
	// may take more than one read to fill.
	for {
		snaps, err := q.Limit(size + 1).Documents(ctx).GetAll()
		if err != nil {
			return nil, "", readError(ctx, err)
		}
		var after auditCursor
		for _, snap := range snaps {
			var d auditDoc
			if err := snap.DataTo(&d); err != nil {
				return nil, "", apperr.Wrap(err, apperr.Internal, "an audit entry of %s cannot be read", space)
			}
			after = auditCursor{Time: d.Time, ID: snap.Ref.ID}
			if !d.ExpireAt.After(now) {
				continue
			}
			if len(out) == size {
				last := out[len(out)-1]
				return out, encodeToken(auditCursor{Time: last.Time, ID: last.ID}), nil
			}
			out = append(out, d.Entry)
		}
		if len(snaps) <= size {
			return out, "", nil
		}
		q = q.StartAfter(after.Time, after.ID)
	}
}
