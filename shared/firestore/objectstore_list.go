package firestore

import (
	"context"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
)

// objectCursor is the position after the last object of a List page.
type objectCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// List returns the PENDING and READY objects of space whose name starts
// with prefix, ordered by name then id, and the token of the next page (""
// at the end). pageSize is 1 to object.MaxPageSize, 0 meaning
// object.DefaultPageSize. Bad arguments are Invalid.
func (s *ObjectStore) List(ctx context.Context, space ids.SpaceID, prefix string, size int, pageToken string) ([]*object.Object, string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	size, err := pageSize(size, object.DefaultPageSize, object.MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	if _, err := ids.ParseSpaceID(string(space)); err != nil {
		return nil, "", err
	}
	if _, err := ids.ParseNamePrefix(prefix); err != nil {
		return nil, "", err
	}
	q := s.client.Collection(ObjectsCollection).
		Where("space", "==", string(space)).
		Where("state", "in", []string{string(object.Pending), string(object.Ready)})
	if prefix != "" {
		// Names sort as UTF-8 bytes, so those starting with prefix are
		// contiguous from prefix on; the loop below stops past them.
		q = q.Where("name", ">=", prefix)
	}
	q = q.OrderBy("name", firestore.Asc).OrderBy("id", firestore.Asc)
	if pageToken != "" {
		var c objectCursor
		if err := decodeToken(pageToken, &c); err != nil {
			return nil, "", err
		}
		if _, err := ids.ParseObjectName(c.Name); err != nil {
			return nil, "", errBadToken
		}
		if _, err := ids.ParseObjectID(c.ID); err != nil {
			return nil, "", errBadToken
		}
		q = q.StartAfter(c.Name, c.ID)
	}
	snaps, err := q.Limit(size + 1).Documents(ctx).GetAll()
	if err != nil {
		return nil, "", readError(ctx, err)
	}
	objects := make([]*object.Object, 0, min(len(snaps), size))
	more := false
	for _, snap := range snaps {
		o, err := decodeObject(snap)
		if err != nil {
			return nil, "", err
		}
		if !strings.HasPrefix(o.Name, prefix) {
			break
		}
		if len(objects) == size {
			more = true
			break
		}
		objects = append(objects, o)
	}
	next := ""
	if more {
		last := objects[len(objects)-1]
		next = encodeToken(objectCursor{Name: last.Name, ID: string(last.ID)})
	}
	return objects, next, nil
}

// PendingDue returns the ids of up to limit (1 to object.MaxPendingDue) PENDING
// objects whose upload deadline is at or before now, oldest deadline first:
// the sweep's work list for Expire.
func (s *ObjectStore) PendingDue(ctx context.Context, now time.Time, limit int) ([]ids.ObjectID, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkLimit(limit, object.MaxPendingDue); err != nil {
		return nil, err
	}
	return queryIDs[ids.ObjectID](ctx, s.client.Collection(ObjectsCollection).
		Where("state", "==", string(object.Pending)).
		Where("uploadDeadline", "<=", now).
		OrderBy("uploadDeadline", firestore.Asc).
		Select().
		Limit(limit))
}

// InSpace returns up to limit (1 to object.MaxPageSize) objects of space in
// any state, REJECTED included, by id: what purging a space must remove.
func (s *ObjectStore) InSpace(ctx context.Context, space ids.SpaceID, limit int) ([]*object.Object, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkLimit(limit, object.MaxPageSize); err != nil {
		return nil, err
	}
	if _, err := ids.ParseSpaceID(string(space)); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.client.Collection(ObjectsCollection).Where("space", "==", string(space)).Limit(limit), decodeObject)
}
