// Package projecttest is the conformance suite of project.Store: every
// implementation runs Run against its backend (an emulator in tests) so
// they all honour the same contract: the last owner stays, a demoted owner
// changes nothing, a deleted project's id is never issued again. It has no
// cloud imports.
package projecttest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/storetest"
)

// Run runs the conformance suite. newStore is called once per subtest; the
// subtests use project and user ids of their own (unique to this process),
// so the store need not be empty, and they do not run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) project.Store) {
	storetest.Run(t, newStore,
		testCreateAndGet, testRefusesBadInput, testMembersAndRoles,
		testLastOwnerStays, testDemotedOwnerChangesNothing,
		testMemberships, testDelete, testConcurrentOwnersLeaving,
	)
}

// NewProjectID returns a project id no other call returned in this process.
func NewProjectID() ids.ProjectID { return ids.ProjectID(storetest.Unique("proj-")) }

// NewUserID returns a user id no other call returned in this process.
func NewUserID(name string) ids.UserID { return ids.UserID(storetest.Unique(name)) }

// Create stores a new project (see NewProjectID) owned by owner, created at
// storetest.T0, and returns its id.
func Create(t *testing.T, s project.Store, owner ids.UserID) ids.ProjectID {
	t.Helper()
	pid := NewProjectID()
	require.NoError(t, s.Create(storetest.Context(t), &project.Project{ID: pid, DisplayName: "Team " + string(pid)}, owner, storetest.T0))
	return pid
}

// users returns n fresh user ids.
func users(n int) []ids.UserID {
	out := make([]ids.UserID, n)
	for i := range out {
		out[i] = NewUserID(fmt.Sprintf("u%d-", i))
	}
	return out
}

// owners counts the project's owners as Members lists them.
func owners(t *testing.T, s project.Store, pid ids.ProjectID) int {
	t.Helper()
	members, err := s.Members(storetest.Context(t), pid)
	require.NoError(t, err)
	n := 0
	for _, m := range members {
		if m.Role == project.Owner {
			n++
		}
	}
	return n
}

func requireRoles(t *testing.T, s project.Store, pid ids.ProjectID, want map[ids.UserID]project.Role) {
	t.Helper()
	for user, role := range want {
		got, err := s.Role(storetest.Context(t), pid, user)
		require.NoError(t, err)
		require.Equal(t, role, got, user)
	}
}

// unversioned returns members without their SchemaVersion: the version of
// the stored form is the backend's business, not the contract's.
func unversioned(members ...project.Member) []project.Member {
	out := make([]project.Member, len(members))
	for i, m := range members {
		m.SchemaVersion = 0
		out[i] = m
	}
	return out
}
