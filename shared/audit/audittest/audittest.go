// Package audittest is the conformance suite of audit.Log: every
// implementation runs Run against its backend (an emulator in tests) so
// they all honour the same contract: a space's trail newest first, page
// after page without repeats or gaps, expired entries left out, another
// space's entries never shown, bad input Invalid. It has no cloud imports.
package audittest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/storetest"
)

// Run runs the conformance suite. newLog is called once per subtest; the
// subtests use spaces of their own (unique to this process), so the log
// need not be empty, and they do not run in parallel.
func Run(t *testing.T, newLog func(t *testing.T) audit.Log) {
	storetest.Run(t, newLog, testListsNewestFirstByPage, testAddTwiceKeepsOne, testRefusesBadInput)
}

// NewSpace returns a user space no other call returned in this process.
func NewSpace() ids.SpaceID { return ids.UserSpace(ids.UserID(storetest.Unique("at"))) }

// entry is an entry of space at t, with a fresh id.
func entry(space ids.SpaceID, t time.Time, target string) audit.Entry {
	return audit.Entry{ID: audit.NewID(), Time: t, Space: space, Action: audit.URLSigned, Target: target, Method: "GET"}
}

// Entries come back newest first (ties by id, descending), page after
// page without repeats or gaps; entries past their expireAt are left out
// (Firestore's TTL deletes them only some time later); another space's
// entries never show.
func testListsNewestFirstByPage(t *testing.T, l audit.Log) {
	ctx := storetest.Context(t)
	space, other := NewSpace(), NewSpace()
	base := time.Now().UTC().Truncate(time.Microsecond)
	var want []string // newest first
	for i := range 7 {
		e := entry(space, base.Add(time.Duration(i)*time.Second), fmt.Sprintf("objects/o%d", i))
		expireAt := base.Add(time.Hour)
		if i == 3 || i == 4 {
			expireAt = base.Add(-time.Minute) // expired, not yet deleted
		} else {
			want = append([]string{e.ID}, want...)
		}
		require.NoError(t, l.Add(ctx, e, expireAt))
	}
	require.NoError(t, l.Add(ctx, entry(other, base, "objects/x"), base.Add(time.Hour)))

	var got []string
	token := ""
	for range 10 {
		page, next, err := l.List(ctx, space, 2, token)
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

	all, next, err := l.List(ctx, space, 0, "")
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, all, 5)
	require.Equal(t, "objects/o6", all[0].Target)
	require.Equal(t, "GET", all[0].Method)

	empty, next, err := l.List(ctx, NewSpace(), 10, "")
	require.NoError(t, err)
	require.Empty(t, next)
	require.NotNil(t, empty, "an empty trail is an empty list")
	require.Empty(t, empty)
}

// Adding the same entry twice (a retried write) keeps one.
func testAddTwiceKeepsOne(t *testing.T, l audit.Log) {
	ctx := storetest.Context(t)
	space := NewSpace()
	now := time.Now().UTC().Truncate(time.Microsecond)
	e := entry(space, now, "objects/o")
	require.NoError(t, l.Add(ctx, e, now.Add(time.Hour)))
	require.NoError(t, l.Add(ctx, e, now.Add(time.Hour)))
	all, _, err := l.List(ctx, space, 0, "")
	require.NoError(t, err)
	require.Equal(t, []audit.Entry{e}, all)
}

// A page token the log did not issue, a page size out of range, a
// malformed space or entry id are Invalid (400s, never 500s).
func testRefusesBadInput(t *testing.T, l audit.Log) {
	ctx := storetest.Context(t)
	space := NewSpace()
	for _, token := range []string{"not-a-token", "eyJ0IjoxfQ", "eyJ0IjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJpIjoieCJ9"} {
		_, _, err := l.List(ctx, space, 10, token)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), token)
	}
	for _, size := range []int{-1, audit.MaxPageSize + 1} {
		_, _, err := l.List(ctx, space, size, "")
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), size)
	}
	_, _, err := l.List(ctx, "nowhere", 10, "")
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	err = l.Add(ctx, audit.Entry{ID: "bad", Space: space, Time: time.Now()}, time.Now())
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	err = l.Add(ctx, audit.Entry{ID: audit.NewID(), Space: "users/", Time: time.Now()}, time.Now())
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}
