package access

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/project"
)

// TestCheckHidesWhatCannotBeRead: the 404-versus-403 rule, for every kind
// of resource: a caller that may not read the resource gets exactly the
// error an absent one gets; one that may read it but not do the action
// gets 403 saying what is missing.
func TestCheckHidesWhatCannotBeRead(t *testing.T) {
	absent := apperr.E(apperr.NotFound, "not found")
	alice := identity.Principal{Kind: identity.User, ID: "alice", Scopes: identity.AllScopes}
	aliceRead := identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"jobs:read", "objects:read"}}
	aliceJob := identity.Principal{Kind: identity.Job, ID: "alice", Scopes: identity.AllScopes}
	for _, tc := range []struct {
		name string
		p    identity.Principal
		a    Action
		r    Resource
		role project.Role
		want string // "" allowed, "hidden", or a 403 message part
	}{
		{"owner of a personal space", alice, WriteJob, Resource{Kind: JobKind, Space: "users/alice"}, project.None, ""},
		{"another's personal job", alice, ReadJob, Resource{Kind: JobKind, Space: "users/bob"}, project.None, "hidden"},
		{"another's personal objects, even to write", alice, WriteObject, ObjectResource("users/bob"), project.None, "hidden"},
		{"a non-member's project", alice, ReadProject, ProjectResource("proj1"), project.None, "hidden"},
		{"a non-member writing a project job", alice, WriteJob, Resource{Kind: JobKind, Space: "projects/proj1"}, project.None, "hidden"},
		{"a viewer cancelling", alice, WriteJob, Resource{Kind: JobKind, Space: "projects/proj1"}, project.Viewer, "viewers only read"},
		{"a viewer uploading", alice, CreateObject, ObjectResource("projects/proj1"), project.Viewer, "viewers only read"},
		{"an editor managing", alice, ManageProject, ProjectResource("proj1"), project.Editor, "only owners manage"},
		{"a read-only token writing", aliceRead, WriteJob, Resource{Kind: JobKind, Space: "users/alice"}, project.None, "jobs:write scope"},
		{"a read-only token deleting", aliceRead, WriteObject, ObjectResource("users/alice"), project.None, "objects:write scope"},
		{"a running job managing", aliceJob, ManageProject, ProjectResource("proj1"), project.Owner, "running jobs do not administer"},
		{"an editor uploading", alice, CreateObject, ObjectResource("projects/proj1"), project.Editor, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireVerdict(t, tc.want, absent, Check(tc.p, tc.a, tc.r, tc.role, absent))
		})
	}
}

// requireVerdict checks err, a Check answer whose hidden error is absent,
// against want: "" allowed, "hidden", or a part of the 403's message.
func requireVerdict(t *testing.T, want string, absent, err error) {
	t.Helper()
	switch want {
	case "":
		require.NoError(t, err)
	case "hidden":
		require.True(t, errors.Is(err, absent), "got %v", err)
	default:
		require.Equal(t, apperr.PermissionDenied, apperr.CodeOf(err))
		require.ErrorContains(t, err, want)
	}
}
