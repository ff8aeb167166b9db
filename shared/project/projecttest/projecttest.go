// Package projecttest is the conformance suite of project.Store: every
// implementation runs Run against its backend (an emulator in tests) so
// they all honour the same contract: the last owner stays, a demoted owner
// changes nothing, a deleted project's id is never issued again. It has no
// cloud imports.
package projecttest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
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

func testCreateAndGet(t *testing.T, s project.Store) {
	ctx := storetest.Context(t)
	u := users(2)
	alice, bob := u[0], u[1]
	pid := Create(t, s, alice)

	p, err := s.Get(ctx, pid)
	require.NoError(t, err)
	require.Equal(t, &project.Project{ID: pid, DisplayName: "Team " + string(pid), CreatedBy: alice, CreatedAt: storetest.T0}, p)

	err = s.Create(ctx, &project.Project{ID: pid}, bob, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	require.Contains(t, err.Error(), "project "+string(pid)+" already exists; choose another id")

	_, err = s.Get(ctx, NewProjectID())
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

	members, err := s.Members(ctx, pid)
	require.NoError(t, err)
	require.Equal(t, []project.Member{{User: alice, Role: project.Owner, AddedBy: alice, AddedAt: storetest.T0}}, unversioned(members...))
}

// Ids converted without parsing are checked again: they never reach the
// backend.
func testRefusesBadInput(t *testing.T, s project.Store) {
	ctx := storetest.Context(t)
	for name, err := range map[string]error{
		"create bad pid":   s.Create(ctx, &project.Project{ID: "P1"}, "alice", storetest.T0),
		"create bad owner": s.Create(ctx, &project.Project{ID: "p1x"}, "Alice/x", storetest.T0),
		"get bad pid":      func() error { _, err := s.Get(ctx, "a/b"); return err }(),
		"role bad user":    func() error { _, err := s.Role(ctx, "p1x", ""); return err }(),
		"members bad pid":  func() error { _, err := s.Members(ctx, "-"); return err }(),
		"set bad role":     func() error { _, err := s.SetMember(ctx, "p1x", "bob", "admin", "alice", storetest.T0); return err }(),
		"set no role": func() error {
			_, err := s.SetMember(ctx, "p1x", "bob", project.None, "alice", storetest.T0)
			return err
		}(),
		"set bad by":      func() error { _, err := s.SetMember(ctx, "p1x", "bob", project.Viewer, "Al", storetest.T0); return err }(),
		"remove bad user": s.RemoveMember(ctx, "p1x", "bob~x", "alice"),
		"remove bad by":   s.RemoveMember(ctx, "p1x", "bob", "a/b"),
		"memberships bad": func() error { _, err := s.Memberships(ctx, "a/b"); return err }(),
		"begin bad pid":   s.BeginDelete(ctx, "x", false),
		"finish bad pid":  s.FinishDelete(ctx, "p1x/members", storetest.T0),
		"deleting limit":  func() error { _, err := s.Deleting(ctx, 0); return err }(),
		"deleting limit2": func() error { _, err := s.Deleting(ctx, 1001); return err }(),
	} {
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), name)
	}
}

func testMembersAndRoles(t *testing.T, s project.Store) {
	ctx := storetest.Context(t)
	u := users(4)
	alice, bob, carol, dave := u[0], u[1], u[2], u[3]
	pid := Create(t, s, alice)
	later := storetest.T0.Add(time.Hour)

	m, err := s.SetMember(ctx, pid, bob, project.Viewer, alice, later)
	require.NoError(t, err)
	require.Equal(t, []project.Member{{User: bob, Role: project.Viewer, AddedBy: alice, AddedAt: later}}, unversioned(m))
	_, err = s.SetMember(ctx, pid, carol, project.Editor, alice, later)
	require.NoError(t, err)

	// A role change keeps when and by whom the member was added.
	m, err = s.SetMember(ctx, pid, bob, project.Editor, alice, later.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, []project.Member{{User: bob, Role: project.Editor, AddedBy: alice, AddedAt: later}}, unversioned(m))

	requireRoles(t, s, pid, map[ids.UserID]project.Role{
		alice: project.Owner, bob: project.Editor, carol: project.Editor, dave: project.None,
	})
	requireRoles(t, s, NewProjectID(), map[ids.UserID]project.Role{alice: project.None})

	members, err := s.Members(ctx, pid)
	require.NoError(t, err)
	var got []ids.UserID
	for _, m := range members {
		got = append(got, m.User)
	}
	require.Equal(t, []ids.UserID{alice, bob, carol}, got, "sorted by user id")

	require.NoError(t, s.RemoveMember(ctx, pid, carol, carol), "any member may leave")
	requireRoles(t, s, pid, map[ids.UserID]project.Role{carol: project.None})
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.RemoveMember(ctx, pid, carol, carol)))
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.RemoveMember(ctx, NewProjectID(), carol, carol)))
	_, err = s.SetMember(ctx, NewProjectID(), bob, project.Viewer, alice, later)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	require.Equal(t, 1, owners(t, s, pid))
}

func testLastOwnerStays(t *testing.T, s project.Store) {
	ctx := storetest.Context(t)
	u := users(2)
	alice, bob := u[0], u[1]
	pid := Create(t, s, alice)

	_, err := s.SetMember(ctx, pid, alice, project.Editor, alice, storetest.T0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the last owner cannot be demoted")
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.RemoveMember(ctx, pid, alice, alice)), "nor leave")

	_, err = s.SetMember(ctx, pid, bob, project.Owner, alice, storetest.T0)
	require.NoError(t, err)
	require.Equal(t, 2, owners(t, s, pid))
	_, err = s.SetMember(ctx, pid, bob, project.Owner, alice, storetest.T0)
	require.NoError(t, err, "setting the same role again changes nothing")
	require.Equal(t, 2, owners(t, s, pid))

	_, err = s.SetMember(ctx, pid, alice, project.Viewer, bob, storetest.T0)
	require.NoError(t, err, "with a second owner, the first may step down")
	require.Equal(t, 1, owners(t, s, pid))
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.RemoveMember(ctx, pid, bob, bob)))
	require.NoError(t, s.RemoveMember(ctx, pid, alice, alice))
	require.Equal(t, 1, owners(t, s, pid))
}

// An owner demoted between the handler's role check and the store's write
// makes no membership change: the write's transaction reads the actor's
// role again. The steps run in the order the race interleaves them: the
// handler's check (Role), the concurrent demotion, the handler's write.
func testDemotedOwnerChangesNothing(t *testing.T, s project.Store) {
	ctx := storetest.Context(t)
	u := users(4)
	alice, bob, carol, dave := u[0], u[1], u[2], u[3]
	pid := Create(t, s, alice)
	_, err := s.SetMember(ctx, pid, bob, project.Owner, alice, storetest.T0)
	require.NoError(t, err)
	_, err = s.SetMember(ctx, pid, carol, project.Viewer, alice, storetest.T0)
	require.NoError(t, err)

	role, err := s.Role(ctx, pid, bob)
	require.NoError(t, err)
	require.Equal(t, project.Owner, role, "the handler's check passes")
	_, err = s.SetMember(ctx, pid, bob, project.Editor, alice, storetest.T0)
	require.NoError(t, err, "alice demotes bob meanwhile")

	_, err = s.SetMember(ctx, pid, carol, project.Owner, bob, storetest.T0)
	require.Equal(t, apperr.PermissionDenied, apperr.CodeOf(err), "%v", err)
	_, err = s.SetMember(ctx, pid, dave, project.Viewer, bob, storetest.T0)
	require.Equal(t, apperr.PermissionDenied, apperr.CodeOf(err), "%v", err)
	require.Equal(t, apperr.PermissionDenied, apperr.CodeOf(s.RemoveMember(ctx, pid, alice, bob)))
	requireRoles(t, s, pid, map[ids.UserID]project.Role{alice: project.Owner, carol: project.Viewer, dave: project.None})

	// Removed altogether, bob sees the project as absent; leaving oneself
	// needs no more than membership.
	require.NoError(t, s.RemoveMember(ctx, pid, carol, carol), "any member may leave")
	require.NoError(t, s.RemoveMember(ctx, pid, bob, alice))
	_, err = s.SetMember(ctx, pid, carol, project.Viewer, bob, storetest.T0)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "%v", err)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.RemoveMember(ctx, pid, alice, bob)))
}

func testMemberships(t *testing.T, s project.Store) {
	ctx := storetest.Context(t)
	u := users(2)
	user, alice := u[0], u[1]
	p1 := Create(t, s, user)
	p2 := Create(t, s, alice)
	p3 := Create(t, s, alice)
	_, err := s.SetMember(ctx, p3, user, project.Viewer, alice, storetest.T0)
	require.NoError(t, err)
	_, err = s.SetMember(ctx, p2, user, project.Editor, alice, storetest.T0)
	require.NoError(t, err)

	got, err := s.Memberships(ctx, user)
	require.NoError(t, err)
	require.Equal(t, []project.Membership{
		{Project: p1, Role: project.Owner},
		{Project: p2, Role: project.Editor},
		{Project: p3, Role: project.Viewer},
	}, got, "sorted by project id")

	require.NoError(t, s.RemoveMember(ctx, p2, user, user))
	_, err = s.SetMember(ctx, p3, user, project.Owner, alice, storetest.T0)
	require.NoError(t, err)
	got, err = s.Memberships(ctx, user)
	require.NoError(t, err)
	require.Equal(t, []project.Membership{{Project: p1, Role: project.Owner}, {Project: p3, Role: project.Owner}}, got)

	got, err = s.Memberships(ctx, NewUserID("nobody"))
	require.NoError(t, err)
	require.Empty(t, got)
}

// Two owners leaving at once: exactly one may go, and the project never
// loses its last owner.
func testConcurrentOwnersLeaving(t *testing.T, s project.Store) {
	if testing.Short() {
		t.Skip("contended transactions take seconds on an emulator")
	}
	for run := range 3 {
		ctx := storetest.Context(t)
		u := users(2)
		alice, bob := u[0], u[1]
		pid := Create(t, s, alice)
		_, err := s.SetMember(ctx, pid, bob, project.Owner, alice, storetest.T0)
		require.NoError(t, err)

		errs := storetest.Concurrently(2, func(i int) error {
			if i == 0 {
				_, err := s.SetMember(ctx, pid, alice, project.Editor, alice, storetest.T0)
				return err
			}
			return s.RemoveMember(ctx, pid, bob, bob)
		})
		require.Equal(t, map[apperr.Code]int{"": 1, apperr.Conflict: 1}, storetest.Codes(errs), "run %d: %v", run, errs)
		require.Equal(t, 1, owners(t, s, pid), "run %d", run)
	}
}

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
