package projecttest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/storetest"
)

// A deleted project is gone for its members from BeginDelete on, its
// records from FinishDelete on, and its id is never issued again.
func testDelete(t *testing.T, s project.Store) {
	ctx := storetest.Context(t)
	u := users(3)
	alice, bob, carol := u[0], u[1], u[2]
	pid := Create(t, s, alice)
	_, err := s.SetMember(ctx, pid, bob, project.Editor, alice, storetest.T0)
	require.NoError(t, err)

	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.FinishDelete(ctx, pid, storetest.T0)), "FinishDelete needs BeginDelete first")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.BeginDelete(ctx, NewProjectID(), false)))

	require.NoError(t, s.BeginDelete(ctx, pid, false), "an empty project needs no force")
	require.NoError(t, s.BeginDelete(ctx, pid, false), "already deleting: nothing to do")
	deleting, err := s.Deleting(ctx, 1000)
	require.NoError(t, err)
	require.Contains(t, deleting, pid, "the sweep finds a delete that did not finish")
	_, err = s.Get(ctx, pid)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	_, err = s.Members(ctx, pid)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	requireRoles(t, s, pid, map[ids.UserID]project.Role{alice: project.None, bob: project.None})
	_, err = s.SetMember(ctx, pid, carol, project.Viewer, alice, storetest.T0)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.RemoveMember(ctx, pid, bob, bob)))
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.Create(ctx, &project.Project{ID: pid}, carol, storetest.T0)),
		"a project being deleted still holds its id")

	require.NoError(t, s.FinishDelete(ctx, pid, storetest.T0))
	require.NoError(t, s.FinishDelete(ctx, pid, storetest.T0), "idempotent")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.BeginDelete(ctx, pid, true)))
	deleting, err = s.Deleting(ctx, 1000)
	require.NoError(t, err)
	require.NotContains(t, deleting, pid)
	for _, user := range []ids.UserID{alice, bob} {
		got, err := s.Memberships(ctx, user)
		require.NoError(t, err)
		require.Empty(t, got, user)
	}

	err = s.Create(ctx, &project.Project{ID: pid}, carol, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the id of a deleted project is never reissued")
	require.Contains(t, err.Error(), "never reissued")
	requireRoles(t, s, pid, map[ids.UserID]project.Role{carol: project.None})
}
