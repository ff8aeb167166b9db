package firestore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/object/objecttest"
)

// TestAuditStoreListsNewestFirstByPage: entries come back newest first
// (ties by id, descending), page after page without repeats or gaps;
// entries past their expireAt are left out (the emulator ignores TTL
// policies); another space's entries never show.
func TestAuditStoreListsNewestFirstByPage(t *testing.T) {
	ctx := context.Background()
	s := valetfs.NewAuditStore(firestoretest.New(t))
	space, other := objecttest.NewSpace(), objecttest.NewSpace()
	base := time.Now().UTC().Truncate(time.Microsecond)
	var want []string // newest first
	for i := range 7 {
		e := audit.Entry{ID: audit.NewID(), Time: base.Add(time.Duration(i) * time.Second), Space: space,
			Action: audit.URLSigned, Target: fmt.Sprintf("objects/o%d", i), Method: "GET"}
		expireAt := base.Add(time.Hour)
		if i == 3 || i == 4 {
			expireAt = base.Add(-time.Minute) // expired, not yet deleted by the TTL
		} else {
			want = append([]string{e.ID}, want...)
		}
		require.NoError(t, s.Add(ctx, e, expireAt))
	}
	require.NoError(t, s.Add(ctx, audit.Entry{ID: audit.NewID(), Time: base, Space: other, Action: audit.ObjectDeleted, Target: "objects/x"}, base.Add(time.Hour)))

	var got []string
	token := ""
	for range 10 {
		page, next, err := s.List(ctx, space, 2, token)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 2)
		for _, e := range page {
			require.Equal(t, space, e.Space)
			got = append(got, e.ID)
		}
		if next == "" {
			break
		}
		token = next
	}
	require.Equal(t, want, got)

	all, next, err := s.List(ctx, space, 0, "")
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, all, 5)
	require.Equal(t, "objects/o6", all[0].Target)
	require.Equal(t, "GET", all[0].Method)

	empty, next, err := s.List(ctx, objecttest.NewSpace(), 10, "")
	require.NoError(t, err)
	require.Empty(t, next)
	require.NotNil(t, empty, "an empty trail is an empty list")
	require.Empty(t, empty)
}

// TestAuditStoreRefusesBadInput: a page token it did not issue, a page
// size out of range, a malformed space or entry id are 400s, never 500s.
func TestAuditStoreRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	s := valetfs.NewAuditStore(firestoretest.New(t))
	space := objecttest.NewSpace()
	for _, token := range []string{"not-a-token", "eyJ0IjoxfQ", "eyJ0IjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJpIjoieCJ9"} {
		_, _, err := s.List(ctx, space, 10, token)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), token)
	}
	for _, size := range []int{-1, audit.MaxPageSize + 1} {
		_, _, err := s.List(ctx, space, size, "")
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	}
	_, _, err := s.List(ctx, "nowhere", 10, "")
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	err = s.Add(ctx, audit.Entry{ID: "bad", Space: space, Time: time.Now()}, time.Now())
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	err = s.Add(ctx, audit.Entry{ID: audit.NewID(), Space: "users/", Time: time.Now()}, time.Now())
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}
