package firestore

import (
	"context"

	"cloud.google.com/go/firestore"

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

// decodeNamed is decodeAs for a document that names itself: an empty id
// field (id points at it) takes the document's id.
func decodeNamed[T any, I ~string](snap *firestore.DocumentSnapshot, what string, id func(*T) *I) (*T, error) {
	v, err := decodeAs[T](snap, what)
	if err == nil && *id(v) == "" {
		*id(v) = I(snap.Ref.ID)
	}
	return v, err
}

// docOf decodes the result of reading one document (snap and err of a
// DocumentRef.Get or Transaction.Get, or one snapshot of a GetAll with a
// nil err): absent when the document does not exist, which with a nil
// absent is a nil value and no error; the read's error as is otherwise.
func docOf[T any](snap *firestore.DocumentSnapshot, err, absent error, decode func(*firestore.DocumentSnapshot) (*T, error)) (*T, error) {
	if IsNotFound(err) || (err == nil && (snap == nil || !snap.Exists())) {
		return nil, absent
	}
	if err != nil {
		return nil, err
	}
	return decode(snap)
}

// getDoc reads ref on its own (not in a transaction) and decodes it as
// docOf does; a failed read is mapped as RunTransaction maps it.
func getDoc[T any](ctx context.Context, ref *firestore.DocumentRef, absent error, decode func(*firestore.DocumentSnapshot) (*T, error)) (*T, error) {
	snap, err := ref.Get(ctx)
	v, err := docOf(snap, err, absent, decode)
	if err != nil {
		return nil, readError(ctx, err)
	}
	return v, nil
}

// txDoc reads ref in tx and decodes it as docOf does.
func txDoc[T any](tx *firestore.Transaction, ref *firestore.DocumentRef, absent error, decode func(*firestore.DocumentSnapshot) (*T, error)) (*T, error) {
	snap, err := tx.Get(ref)
	return docOf(snap, err, absent, decode)
}

// queryAll runs q and decodes each document it returns, in order; a failed
// query is mapped as RunTransaction maps it.
func queryAll[T any](ctx context.Context, q firestore.Query, decode func(*firestore.DocumentSnapshot) (T, error)) ([]T, error) {
	snaps, err := q.Documents(ctx).GetAll()
	if err != nil {
		return nil, readError(ctx, err)
	}
	out := make([]T, 0, len(snaps))
	for _, snap := range snaps {
		v, err := decode(snap)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// queryIDs runs q (best with Select(), which reads no fields) and returns
// the ids of the documents it finds, in order.
func queryIDs[I ~string](ctx context.Context, q firestore.Query) ([]I, error) {
	return queryAll(ctx, q, func(snap *firestore.DocumentSnapshot) (I, error) { return I(snap.Ref.ID), nil })
}

// readError maps the error of a plain (non-transactional) read.
func readError(ctx context.Context, err error) error {
	return transactionError(ctx, err)
}

// usageOf reads the result of getting space's usage document (in a
// transaction or not): zero usage when it is absent, the read's error as
// is otherwise. The objects store keeps the document; the project store
// reads its object count before a delete.
func usageOf(snap *firestore.DocumentSnapshot, err error, space ids.SpaceID) (spaceUsageDoc, error) {
	if IsNotFound(err) {
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
