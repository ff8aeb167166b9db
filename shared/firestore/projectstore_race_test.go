package firestore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/project"
)

// An owner demoted between the handler's role check and the store's write
// makes no membership change: the write's transaction reads the actor's
// role again. The steps run in the order the race interleaves them: the
// handler's check (Role), the concurrent demotion, the handler's write.
// Before, the write trusted the check and went through.
func TestProjectStoreDemotedOwnerChangesNothing(t *testing.T) {
	s, _ := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")
	_, err := s.SetMember(ctx, pid, "bob", project.Owner, "alice", projectNow)
	require.NoError(t, err)
	_, err = s.SetMember(ctx, pid, "carol", project.Viewer, "alice", projectNow)
	require.NoError(t, err)

	role, err := s.Role(ctx, pid, "bob")
	require.NoError(t, err)
	require.Equal(t, project.Owner, role, "the handler's check passes")
	_, err = s.SetMember(ctx, pid, "bob", project.Editor, "alice", projectNow)
	require.NoError(t, err, "alice demotes bob meanwhile")

	_, err = s.SetMember(ctx, pid, "carol", project.Owner, "bob", projectNow)
	require.Equal(t, apperr.PermissionDenied, apperr.CodeOf(err), "%v", err)
	_, err = s.SetMember(ctx, pid, "dave", project.Viewer, "bob", projectNow)
	require.Equal(t, apperr.PermissionDenied, apperr.CodeOf(err), "%v", err)
	require.Equal(t, apperr.PermissionDenied, apperr.CodeOf(s.RemoveMember(ctx, pid, "alice", "bob")))
	for user, want := range map[string]project.Role{"alice": project.Owner, "carol": project.Viewer, "dave": project.None} {
		got, err := s.Role(ctx, pid, user)
		require.NoError(t, err)
		require.Equal(t, want, got, user)
	}

	// Removed altogether, bob sees the project as absent; leaving oneself
	// needs no more than membership.
	require.NoError(t, s.RemoveMember(ctx, pid, "carol", "carol"), "any member may leave")
	require.NoError(t, s.RemoveMember(ctx, pid, "bob", "alice"))
	_, err = s.SetMember(ctx, pid, "carol", project.Viewer, "bob", projectNow)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.RemoveMember(ctx, pid, "alice", "bob")))
}
