package access

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
)

// roles is a project.Store that answers Role only, from a table, and
// counts its reads.
type roles struct {
	project.Store
	of    map[ids.ProjectID]project.Role
	reads int
	err   error
}

func (r *roles) Role(_ context.Context, pid ids.ProjectID, user ids.UserID) (project.Role, error) {
	r.reads++
	if user != "alice" {
		return project.None, nil
	}
	return r.of[pid], r.err
}

// TestAuthorizeLooksTheRoleUpInTheResourcesSpace: Authorize is Check with
// the caller's role in the resource's project; a personal space (and a
// malformed one) is decided without a read; a failed read is its error,
// never a verdict.
func TestAuthorizeLooksTheRoleUpInTheResourcesSpace(t *testing.T) {
	absent := apperr.E(apperr.NotFound, "not found")
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		r     Resource
		a     Action
		want  string // "" allowed, "hidden", or a 403 message part
		role  project.Role
		reads int
	}{
		{"an editor writes a project's objects", ObjectResource("projects/proj1"), WriteObject, "", project.Editor, 1},
		{"a viewer may not", ObjectResource("projects/proj2"), WriteObject, "viewers only read", project.Viewer, 1},
		{"a non-member does not see the project", ProjectResource("proj3"), ReadProject, "hidden", project.None, 1},
		{"her own space needs no read", ObjectResource("users/alice"), CreateObject, "", project.None, 0},
		{"another's space is hidden, without a read", Resource{Kind: JobKind, Space: "users/bob"}, ReadJob, "hidden", project.None, 0},
		{"a malformed space is hidden, without a read", ObjectResource("projects"), ReadObject, "hidden", project.None, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &roles{of: map[ids.ProjectID]project.Role{"proj1": project.Editor, "proj2": project.Viewer}}
			role, err := Authorize(ctx, store, user("alice"), tc.a, tc.r, absent)
			require.Equal(t, tc.role, role)
			require.Equal(t, tc.reads, store.reads)
			requireVerdict(t, tc.want, absent, err)
		})
	}
	down := apperr.E(apperr.Unavailable, "firestore is down")
	_, err := Authorize(ctx, &roles{err: down}, user("alice"), ReadObject, ObjectResource("projects/proj1"), absent)
	require.ErrorIs(t, err, down, "a failed lookup is answered as such, not as not found")
}
