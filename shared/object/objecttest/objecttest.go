// Package objecttest is the conformance suite of object.Store: every
// implementation runs Run against its backend (an emulator in tests) so
// they all honour the same contract: usage counted with every transition,
// the quota held under concurrent creates, redeliveries acknowledged
// without effect. It has no cloud imports.
package objecttest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/storetest"
)

// Run runs the conformance suite. newStore is called once per subtest; the
// subtests use spaces of their own (unique to this process), so the store
// need not be empty, and they do not run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) object.Store) {
	storetest.Run(t, newStore,
		testCreateCountsPendingAgainstQuota, testArrival,
		testDeleteReleasesBytes, testRekey, testListByPrefixAndPage,
		testInSpace, testExpiresPendingUploads,
		testQuotaHoldsUnderConcurrency,
	)
}

// NewSpace returns a user space no other call returned in this process.
func NewSpace() ids.SpaceID {
	return ids.UserSpace(ids.UserID(storetest.Unique("ot")))
}

// Create makes a PENDING object of size bytes named name in space (created
// at storetest.T0 by "u1") and stores it with quota.
func Create(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64, quota int64) (*object.Object, error) {
	t.Helper()
	o, err := object.New(space, name, "application/octet-stream", size, "", "u1", storetest.T0)
	require.NoError(t, err)
	return o, s.Create(storetest.Context(t), o, quota)
}

// MustCreate is Create with the default quota, failing t on an error.
func MustCreate(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64) *object.Object {
	t.Helper()
	o, err := Create(t, s, space, name, size, 0)
	require.NoError(t, err)
	return o
}

// MustReady is MustCreate, then its size bytes arriving: a READY object.
func MustReady(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64) *object.Object {
	t.Helper()
	return arrive(t, s, MustCreate(t, s, space, name, size), size)
}

// MustRejected stores an object of 1 byte at which 2 bytes arrive: a
// REJECTED object.
func MustRejected(t *testing.T, s object.Store, space ids.SpaceID, name string) *object.Object {
	t.Helper()
	return arrive(t, s, MustCreate(t, s, space, name, 1), 2)
}

// arrive records size bytes arriving at o's key as its generation 1 and
// returns the object then.
func arrive(t *testing.T, s object.Store, o *object.Object, size int64) *object.Object {
	t.Helper()
	o, _, err := s.Arrived(storetest.Context(t), o.ID, o.Key, object.Arrival{Generation: 1, SizeBytes: size}, storetest.T0)
	require.NoError(t, err)
	return o
}

// Usage returns what space holds.
func Usage(t *testing.T, s object.Store, space ids.SpaceID) object.Usage {
	t.Helper()
	u, err := s.Usage(storetest.Context(t), space)
	require.NoError(t, err)
	return u
}

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
	errs := storetest.Concurrently(10, func(i int) error {
		_, err := Create(t, s, space, fmt.Sprintf("f%d", i), 10, 50)
		return err
	})
	require.Equal(t, map[apperr.Code]int{"": 5, apperr.TooLarge: 5}, storetest.Codes(errs), "created, refused: %v", errs)
	require.Equal(t, object.Usage{ReservedBytes: 50, Objects: 5}, Usage(t, s, space))
}

func testListByPrefixAndPage(t *testing.T, s object.Store) {
	ctx := storetest.Context(t)
	space := NewSpace()
	names := []string{"a/1", "a/2", "a/3", "a/3", "a0", "b/1", "a/é"}
	for _, n := range names {
		MustCreate(t, s, space, n, 1)
	}
	MustRejected(t, s, space, "a/rejected")
	MustCreate(t, s, NewSpace(), "a/other-space", 1)

	var got []string
	token := ""
	for pages := 1; ; pages++ {
		page, next, err := s.List(ctx, space, "a/", 2, token)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 2)
		for _, o := range page {
			got = append(got, o.Name)
		}
		if next == "" {
			require.Equal(t, 3, pages)
			break
		}
		token = next
	}
	require.Equal(t, []string{"a/1", "a/2", "a/3", "a/3", "a/é"}, got, "by name (as UTF-8 bytes), then id")

	all, next, err := s.List(ctx, space, "", 0, "")
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, all, len(names), "REJECTED objects are not listed")
	require.Equal(t, "b/1", all[len(all)-1].Name)

	for name, call := range map[string]func() error{
		"page size": func() error { _, _, err := s.List(ctx, space, "", object.MaxPageSize+1, ""); return err },
		"negative":  func() error { _, _, err := s.List(ctx, space, "", -1, ""); return err },
		"bad token": func() error { _, _, err := s.List(ctx, space, "", 1, "!!"); return err },
		"bad space": func() error { _, _, err := s.List(ctx, "nowhere", "", 1, ""); return err },
		"long prefix": func() error {
			_, _, err := s.List(ctx, space, strings.Repeat("a", 1025), 1, "")
			return err
		},
	} {
		require.Equal(t, apperr.Invalid, apperr.CodeOf(call()), name)
	}
}

// InSpace finds a space's objects in every state, and only that space's.
func testInSpace(t *testing.T, s object.Store) {
	ctx := storetest.Context(t)
	space := NewSpace()
	pending := MustCreate(t, s, space, "pending", 1)
	rejected := MustRejected(t, s, space, "rejected")
	MustCreate(t, s, NewSpace(), "elsewhere", 1)

	found, err := s.InSpace(ctx, space, object.MaxPageSize)
	require.NoError(t, err)
	var got []ids.ObjectID
	for _, o := range found {
		got = append(got, o.ID)
	}
	require.ElementsMatch(t, []ids.ObjectID{pending.ID, rejected.ID}, got)
	one, err := s.InSpace(ctx, space, 1)
	require.NoError(t, err)
	require.Len(t, one, 1)
	for _, limit := range []int{0, object.MaxPageSize + 1} {
		_, err := s.InSpace(ctx, space, limit)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), limit)
	}
	_, err = s.InSpace(ctx, "nowhere", 1)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

func testExpiresPendingUploads(t *testing.T, s object.Store) {
	ctx := storetest.Context(t)
	space := NewSpace()
	late := MustCreate(t, s, space, "late", 7)
	arrived := MustReady(t, s, space, "arrived", 3)

	// Other subtests' objects share the store: look for ours only.
	due := func(now time.Time) []ids.ObjectID {
		found, err := s.PendingDue(ctx, now, object.MaxPendingDue)
		require.NoError(t, err)
		return found
	}
	require.NotContains(t, due(storetest.T0.Add(object.UploadWindow-time.Second)), late.ID)
	later := storetest.T0.Add(object.UploadWindow)
	require.Contains(t, due(later), late.ID)
	require.NotContains(t, due(later), arrived.ID)

	_, err := s.Expire(ctx, late.ID, storetest.T0)
	require.ErrorIs(t, err, object.ErrDuplicate, "still in its window")
	o, err := s.Expire(ctx, late.ID, later)
	require.NoError(t, err)
	require.Equal(t, object.Rejected, o.State)
	require.Equal(t, object.Usage{UsedBytes: 3, Objects: 1}, Usage(t, s, space))
	require.NotContains(t, due(later), late.ID)
	_, err = s.Expire(ctx, late.ID, later)
	require.ErrorIs(t, err, object.ErrDuplicate)
	_, err = s.Expire(ctx, arrived.ID, later)
	require.ErrorIs(t, err, object.ErrDuplicate)
	for _, limit := range []int{0, object.MaxPendingDue + 1} {
		_, err = s.PendingDue(ctx, later, limit)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), limit)
	}
	_, err = s.Expire(ctx, "o_aaaaaaaaaaaaaaaaaaaaaaaaaa", later)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}
