package objecttest

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/storetest"
)

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
