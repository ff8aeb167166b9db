package firestore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
)

// doc returns a document unique to the test.
func doc(t *testing.T, client *firestore.Client) *firestore.DocumentRef {
	return client.Collection("transactions").Doc(fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano()))
}

func TestRunTransactionCommits(t *testing.T) {
	client := firestoretest.New(t)
	ctx := context.Background()
	ref := doc(t, client)

	err := valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
		return tx.Create(ref, map[string]any{"state": "QUEUED"})
	})
	require.NoError(t, err)

	snap, err := ref.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, "QUEUED", snap.Data()["state"])
}

func TestRunTransactionContendedCounterLosesNothing(t *testing.T) {
	client := firestoretest.New(t)
	ctx := context.Background()
	ref := doc(t, client)
	_, err := ref.Set(ctx, map[string]any{"n": 0})
	require.NoError(t, err)

	// The emulator serialises contended transactions behind a ~2 s lock
	// timeout (FACTS.md), so contention here is far worse than production's;
	// 8 writers with a generous attempt budget show that retries lose no
	// commit without making the suite slow. Hot paths avoid contention.
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			errs[i] = valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
				snap, err := tx.Get(ref)
				if err != nil {
					return err
				}
				n, err := snap.DataAt("n")
				if err != nil {
					return err
				}
				return tx.Update(ref, []firestore.Update{{Path: "n", Value: n.(int64) + 1}})
			}, valetfs.MaxAttempts(20))
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "writer %d", i)
	}
	snap, err := ref.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(writers), snap.Data()["n"])
}

func TestRunTransactionReturnsTheAnswerUnchanged(t *testing.T) {
	client := firestoretest.New(t)
	ctx := context.Background()
	ref := doc(t, client)
	_, err := ref.Set(ctx, map[string]any{"state": "RUNNING"})
	require.NoError(t, err)

	for name, answer := range map[string]error{
		"apperr":                apperr.E(apperr.Conflict, "the job is not queued"),
		"apperr wrapping abort": apperr.Wrap(status.Error(codes.Aborted, "contention"), apperr.Conflict, "stale epoch"),
		"wrapped apperr":        fmt.Errorf("claim: %w", apperr.E(apperr.Gone, "final")),
	} {
		t.Run(name, func(t *testing.T) {
			var runs atomic.Int32
			err := valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
				runs.Add(1)
				if _, err := tx.Get(ref); err != nil {
					return err
				}
				if err := tx.Update(ref, []firestore.Update{{Path: "state", Value: "CHANGED"}}); err != nil {
					return err
				}
				return answer
			})
			require.Same(t, answer, err)
			require.Equal(t, int32(1), runs.Load())
		})
	}
	snap, err := ref.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, "RUNNING", snap.Data()["state"], "an answered transaction must not commit")
}

func TestRunTransactionRetriesAbortsThenGivesUp(t *testing.T) {
	client := firestoretest.New(t)
	ctx := context.Background()
	var runs atomic.Int32
	aborted := status.Error(codes.Aborted, "Transaction lock timeout")
	err := valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
		runs.Add(1)
		return aborted
	}, valetfs.MaxAttempts(3), valetfs.Backoff(time.Millisecond, 5*time.Millisecond))
	require.Equal(t, apperr.ResourceExhausted, apperr.CodeOf(err))
	require.ErrorIs(t, err, aborted)
	require.Equal(t, int32(3), runs.Load())

	runs.Store(0)
	err = valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
		if runs.Add(1) < 3 {
			return aborted
		}
		return nil
	}, valetfs.Backoff(time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)
	require.Equal(t, int32(3), runs.Load())
}

func TestRunTransactionMapsPreconditions(t *testing.T) {
	client := firestoretest.New(t)
	ctx := context.Background()
	ref := doc(t, client)

	err := valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
		return tx.Update(ref, []firestore.Update{{Path: "state", Value: "X"}})
	})
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "err=%v", err)

	_, err = ref.Set(ctx, map[string]any{"state": "A"})
	require.NoError(t, err)
	err = valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
		return tx.Create(ref, map[string]any{"state": "B"})
	})
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "err=%v", err)

	var runs atomic.Int32
	err = valetfs.RunTransaction(ctx, client, func(ctx context.Context, tx *firestore.Transaction) error {
		runs.Add(1)
		return errors.New("a bug")
	})
	require.Equal(t, apperr.Internal, apperr.CodeOf(err))
	require.Equal(t, int32(1), runs.Load())
}

func TestRunTransactionStopsWithTheContext(t *testing.T) {
	client := firestoretest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	var runs atomic.Int32
	err := valetfs.RunTransaction(ctx, client, func(context.Context, *firestore.Transaction) error {
		runs.Add(1)
		cancel()
		return status.Error(codes.Aborted, "contention")
	}, valetfs.Backoff(time.Hour, time.Hour))
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
	require.Equal(t, int32(1), runs.Load())
}

// IsNotFound is the one reading of Firestore's gRPC codes outside the
// package: a missing document, also behind a wrapping error.
func TestIsNotFound(t *testing.T) {
	client := firestoretest.New(t)
	_, err := doc(t, client).Get(context.Background())
	require.True(t, valetfs.IsNotFound(err), "err=%v", err)
	require.True(t, valetfs.IsNotFound(fmt.Errorf("reading: %w", err)))
	for _, other := range []error{nil, errors.New("not found"), status.Error(codes.Aborted, "contention"), apperr.E(apperr.NotFound, "job j not found")} {
		require.False(t, valetfs.IsNotFound(other), "%v", other)
	}
}
