package project

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

func TestRoles(t *testing.T) {
	for _, s := range []string{"viewer", "editor", "owner"} {
		r, err := ParseRole(s)
		require.NoError(t, err)
		require.Equal(t, Role(s), r)
	}
	for _, s := range []string{"", "Owner", "admin", "viewer "} {
		_, err := ParseRole(s)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), s)
	}
	require.True(t, Owner.AtLeast(Editor))
	require.True(t, Editor.AtLeast(Viewer))
	require.True(t, Viewer.AtLeast(Viewer))
	require.False(t, Viewer.AtLeast(Editor))
	require.False(t, Editor.AtLeast(Owner))
	require.False(t, None.AtLeast(None))
	require.False(t, None.AtLeast(Viewer))
}

func TestLastOwnerStays(t *testing.T) {
	require.Equal(t, apperr.Conflict, apperr.CodeOf(CheckChange(Owner, None, 1)))
	require.Equal(t, apperr.Conflict, apperr.CodeOf(CheckChange(Owner, Editor, 1)))
	require.NoError(t, CheckChange(Owner, Owner, 1))
	require.NoError(t, CheckChange(Owner, None, 2))
	require.NoError(t, CheckChange(Editor, None, 1))
	require.NoError(t, CheckChange(None, Viewer, 1))
}
