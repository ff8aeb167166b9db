package objecttest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/storetest"
)

func testCreateCountsPendingAgainstQuota(t *testing.T, s object.Store) {
	ctx := storetest.Context(t)
	space := NewSpace()
	require.Equal(t, object.Usage{}, Usage(t, s, space), "an unused space")

	o, err := Create(t, s, space, "a", 60, 100)
	require.NoError(t, err)
	got, err := s.Get(ctx, o.ID)
	require.NoError(t, err)
	require.Equal(t, o.Key, got.Key)
	require.Equal(t, object.Pending, got.State)
	require.Equal(t, object.Usage{ReservedBytes: 60, Objects: 1}, Usage(t, s, space))

	_, err = Create(t, s, space, "b", 41, 100)
	require.Equal(t, apperr.TooLarge, apperr.CodeOf(err), "pending bytes count")
	require.Contains(t, err.Error(), "space "+string(space)+" would hold 101 bytes, over its quota of 100 bytes")
	_, err = Create(t, s, space, "b", 40, 100)
	require.NoError(t, err, "exactly at quota")
	require.Equal(t, object.Usage{ReservedBytes: 100, Objects: 2}, Usage(t, s, space))

	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.Create(ctx, o, 0)), "the same id twice")
	_, err = s.Get(ctx, "o_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	_, err = s.Get(ctx, "not/an/id")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "an id converted without parsing")

	us, err := s.Usages(ctx, []ids.SpaceID{NewSpace(), space})
	require.NoError(t, err)
	require.Equal(t, []object.Usage{{}, {ReservedBytes: 100, Objects: 2}}, us, "in the order asked")
	_, err = s.Usages(ctx, []ids.SpaceID{space, "nowhere"})
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

func testArrival(t *testing.T, s object.Store) {
	ctx := storetest.Context(t)
	space := NewSpace()
	ok := MustCreate(t, s, space, "ok", 10)
	bad := MustCreate(t, s, space, "bad", 20)
	require.Equal(t, object.Usage{ReservedBytes: 30, Objects: 2}, Usage(t, s, space))

	o, rejected, err := s.Arrived(ctx, ok.ID, ok.Key, object.Arrival{Generation: 5, SizeBytes: 10, MD5: "1B2M2Y8AsgTpgAmY7PhCfg=="}, storetest.T0)
	require.NoError(t, err)
	require.False(t, rejected)
	require.Equal(t, object.Ready, o.State)
	require.Equal(t, object.Usage{UsedBytes: 10, ReservedBytes: 20, Objects: 2}, Usage(t, s, space))

	_, _, err = s.Arrived(ctx, ok.ID, ok.Key, object.Arrival{Generation: 5, SizeBytes: 10}, storetest.T0)
	require.ErrorIs(t, err, object.ErrDuplicate, "a redelivered event")
	_, _, err = s.Arrived(ctx, ok.ID, ok.Key, object.Arrival{Generation: 6, SizeBytes: 10}, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "another generation")
	_, _, err = s.Arrived(ctx, ok.ID, object.Key(space, ok.ID, 3), object.Arrival{Generation: 5, SizeBytes: 10}, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "another key")
	require.Equal(t, object.Usage{UsedBytes: 10, ReservedBytes: 20, Objects: 2}, Usage(t, s, space), "nothing more counted")

	o, rejected, err = s.Arrived(ctx, bad.ID, bad.Key, object.Arrival{Generation: 9, SizeBytes: 21}, storetest.T0)
	require.NoError(t, err)
	require.True(t, rejected)
	require.Equal(t, object.Rejected, o.State)
	require.Equal(t, object.Usage{UsedBytes: 10, Objects: 1}, Usage(t, s, space))

	_, _, err = s.Arrived(ctx, "o_aaaaaaaaaaaaaaaaaaaaaaaaaa", ok.Key, object.Arrival{Generation: 1}, storetest.T0)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func testDeleteReleasesBytes(t *testing.T, s object.Store) {
	ctx := storetest.Context(t)
	space := NewSpace()
	ready := MustReady(t, s, space, "ready", 10)
	pending := MustCreate(t, s, space, "pending", 20)
	rejected := MustRejected(t, s, space, "rejected")
	require.Equal(t, object.Usage{UsedBytes: 10, ReservedBytes: 20, Objects: 2}, Usage(t, s, space))

	for _, o := range []*object.Object{ready, pending, rejected} {
		got, err := s.Delete(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o.Key, got.Key, "the caller deletes the bytes there")
		_, err = s.Get(ctx, o.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	}
	require.Equal(t, object.Usage{}, Usage(t, s, space))
	_, err := s.Delete(ctx, ready.ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func testRekey(t *testing.T, s object.Store) {
	ctx := storetest.Context(t)
	space := NewSpace()
	o := MustCreate(t, s, space, "x", 1)
	_, err := s.Rekey(ctx, o.ID, 0, 5, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "pending")
	arrive(t, s, o, 1)

	got, err := s.Rekey(ctx, o.ID, 0, 5, storetest.T0)
	require.NoError(t, err)
	require.Equal(t, object.Key(space, o.ID, 1), got.Key)
	require.Equal(t, int64(5), got.Generation)
	_, err = s.Rekey(ctx, o.ID, 0, 6, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the revision moved")

	_, _, err = s.Arrived(ctx, o.ID, got.Key, object.Arrival{Generation: 5, SizeBytes: 1}, storetest.T0)
	require.ErrorIs(t, err, object.ErrDuplicate, "the copy's own finalize event")
	_, _, err = s.Arrived(ctx, o.ID, o.Key, object.Arrival{Generation: 1, SizeBytes: 1}, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the old key")
	require.Equal(t, object.Usage{UsedBytes: 1, Objects: 1}, Usage(t, s, space))
}

func testQuotaHoldsUnderConcurrency(t *testing.T, s object.Store) {
	space := NewSpace()
	var wg sync.WaitGroup
	var created, tooLarge atomic.Int64
	for i := range 10 {
		wg.Go(func() {
			_, err := Create(t, s, space, fmt.Sprintf("f%d", i), 10, 50)
			switch apperr.CodeOf(err) {
			case "":
				created.Add(1)
			case apperr.TooLarge:
				tooLarge.Add(1)
			default:
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(5), created.Load())
	require.Equal(t, int64(5), tooLarge.Load())
	require.Equal(t, object.Usage{ReservedBytes: 50, Objects: 5}, Usage(t, s, space))
}
