package firestore

import (
	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
)

// decodeAs reads snap into a new T. A document that does not fit T is an
// Internal error naming what it is (e.g. "job") and its id.
func decodeAs[T any](snap *firestore.DocumentSnapshot, what string) (*T, error) {
	var v T
	if err := snap.DataTo(&v); err != nil {
		return nil, apperr.Wrap(err, apperr.Internal, "%s %s cannot be read", what, snap.Ref.ID)
	}
	return &v, nil
}

// usageOf reads the result of getting space's usage document (in a
// transaction or not): zero usage when it is absent, the read's error as
// is otherwise. The objects store keeps the document; the project store
// reads its object count before a delete.
func usageOf(snap *firestore.DocumentSnapshot, err error, space ids.SpaceID) (spaceUsageDoc, error) {
	if status.Code(err) == codes.NotFound {
		return spaceUsageDoc{Space: space}, nil
	}
	if err != nil {
		return spaceUsageDoc{}, err
	}
	u, err := decodeAs[spaceUsageDoc](snap, "the usage of space")
	if err != nil {
		return spaceUsageDoc{}, err
	}
	u.Space = space
	return *u, nil
}
