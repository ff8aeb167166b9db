package firestore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/project"
)

// projectTestSeq gives each test its own project ids: the package's tests
// share one emulator project (and some tests Reset it).
var projectTestSeq = time.Now().UnixNano() % 100000

func newProjectID(t *testing.T) string {
	t.Helper()
	projectTestSeq++
	return fmt.Sprintf("proj-%d", projectTestSeq)
}

var projectNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newProjectStore(t *testing.T) (*valetfs.ProjectStore, *firestore.Client) {
	t.Helper()
	client := firestoretest.New(t)
	return valetfs.NewProjectStore(client), client
}

func createProject(t *testing.T, s *valetfs.ProjectStore, owner string) string {
	t.Helper()
	pid := newProjectID(t)
	require.NoError(t, s.Create(context.Background(), &project.Project{ID: pid, DisplayName: "Team " + pid}, owner, projectNow))
	return pid
}

func ownersCount(t *testing.T, client *firestore.Client, pid string) int64 {
	t.Helper()
	snap, err := client.Collection(valetfs.ProjectsCollection).Doc(pid).Get(context.Background())
	require.NoError(t, err)
	n, err := snap.DataAt("owners")
	require.NoError(t, err)
	return n.(int64)
}

func TestProjectStoreCreateGet(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")

	p, err := s.Get(ctx, pid)
	require.NoError(t, err)
	require.Equal(t, &project.Project{ID: pid, DisplayName: "Team " + pid, CreatedBy: "alice", CreatedAt: projectNow}, p)
	require.Equal(t, int64(1), ownersCount(t, client, pid))

	err = s.Create(ctx, &project.Project{ID: pid}, "bob", projectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	require.Contains(t, err.Error(), "project "+pid+" already exists; choose another id")

	_, err = s.Get(ctx, "absent-project")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

	members, err := s.Members(ctx, pid)
	require.NoError(t, err)
	require.Equal(t, []project.Member{{User: "alice", Role: project.Owner, AddedBy: "alice", AddedAt: projectNow}}, members)
}

func TestProjectStoreRefusesBadInput(t *testing.T) {
	s, _ := newProjectStore(t)
	ctx := context.Background()
	for name, err := range map[string]error{
		"create bad pid":   s.Create(ctx, &project.Project{ID: "P1"}, "alice", projectNow),
		"create bad owner": s.Create(ctx, &project.Project{ID: "p1x"}, "Alice/x", projectNow),
		"get bad pid":      func() error { _, err := s.Get(ctx, "a/b"); return err }(),
		"role bad user":    func() error { _, err := s.Role(ctx, "p1x", ""); return err }(),
		"members bad pid":  func() error { _, err := s.Members(ctx, "-"); return err }(),
		"set bad role":     func() error { _, err := s.SetMember(ctx, "p1x", "bob", "admin", "alice", projectNow); return err }(),
		"set no role":      func() error { _, err := s.SetMember(ctx, "p1x", "bob", project.None, "alice", projectNow); return err }(),
		"remove bad user":  s.RemoveMember(ctx, "p1x", "bob~x", "alice"),
		"memberships bad":  func() error { _, err := s.Memberships(ctx, "a/b"); return err }(),
		"begin bad pid":    s.BeginDelete(ctx, "x", false),
		"finish bad pid":   s.FinishDelete(ctx, "p1x/members", projectNow),
	} {
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), name)
	}
}

func TestProjectStoreMembersAndRoles(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")
	later := projectNow.Add(time.Hour)

	m, err := s.SetMember(ctx, pid, "bob", project.Viewer, "alice", later)
	require.NoError(t, err)
	require.Equal(t, project.Member{User: "bob", Role: project.Viewer, AddedBy: "alice", AddedAt: later}, m)
	_, err = s.SetMember(ctx, pid, "carol", project.Editor, "alice", later)
	require.NoError(t, err)

	// A role change keeps when and by whom the member was added.
	m, err = s.SetMember(ctx, pid, "bob", project.Editor, "alice", later.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, project.Member{User: "bob", Role: project.Editor, AddedBy: "alice", AddedAt: later}, m)

	for user, want := range map[string]project.Role{
		"alice": project.Owner, "bob": project.Editor, "carol": project.Editor, "dave": project.None,
	} {
		got, err := s.Role(ctx, pid, user)
		require.NoError(t, err)
		require.Equal(t, want, got, user)
	}
	role, err := s.Role(ctx, "absent-project", "alice")
	require.NoError(t, err)
	require.Equal(t, project.None, role)

	members, err := s.Members(ctx, pid)
	require.NoError(t, err)
	var users []string
	for _, m := range members {
		users = append(users, m.User)
	}
	require.Equal(t, []string{"alice", "bob", "carol"}, users)

	require.NoError(t, s.RemoveMember(ctx, pid, "carol", "carol"))
	role, err = s.Role(ctx, pid, "carol")
	require.NoError(t, err)
	require.Equal(t, project.None, role)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.RemoveMember(ctx, pid, "carol", "carol")))
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.RemoveMember(ctx, "absent-project", "carol", "carol")))
	_, err = s.SetMember(ctx, "absent-project", "bob", project.Viewer, "alice", later)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	require.Equal(t, int64(1), ownersCount(t, client, pid))
}

func TestProjectStoreLastOwnerStays(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")

	_, err := s.SetMember(ctx, pid, "alice", project.Editor, "alice", projectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the last owner cannot be demoted")
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.RemoveMember(ctx, pid, "alice", "alice")), "nor leave")

	_, err = s.SetMember(ctx, pid, "bob", project.Owner, "alice", projectNow)
	require.NoError(t, err)
	require.Equal(t, int64(2), ownersCount(t, client, pid))
	_, err = s.SetMember(ctx, pid, "bob", project.Owner, "alice", projectNow)
	require.NoError(t, err, "setting the same role again changes nothing")
	require.Equal(t, int64(2), ownersCount(t, client, pid))

	_, err = s.SetMember(ctx, pid, "alice", project.Viewer, "bob", projectNow)
	require.NoError(t, err, "with a second owner, the first may step down")
	require.Equal(t, int64(1), ownersCount(t, client, pid))
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.RemoveMember(ctx, pid, "bob", "bob")))
	require.NoError(t, s.RemoveMember(ctx, pid, "alice", "alice"))
	require.Equal(t, int64(1), ownersCount(t, client, pid))
}

// Two owners leaving at once: exactly one may go, and the project never
// loses its last owner.
func TestProjectStoreConcurrentOwnersLeaving(t *testing.T) {
	if testing.Short() {
		t.Skip("contended transactions take seconds on the emulator")
	}
	s, client := newProjectStore(t)
	for run := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		pid := createProject(t, s, "alice")
		_, err := s.SetMember(ctx, pid, "bob", project.Owner, "alice", projectNow)
		require.NoError(t, err)

		errs := make([]error, 2)
		var wg sync.WaitGroup
		wg.Go(func() {
			_, errs[0] = s.SetMember(ctx, pid, "alice", project.Editor, "alice", projectNow)
		})
		wg.Go(func() { errs[1] = s.RemoveMember(ctx, pid, "bob", "bob") })
		wg.Wait()
		cancel()

		var ok, conflicts int
		for _, err := range errs {
			switch apperr.CodeOf(err) {
			case "":
				ok++
			case apperr.Conflict:
				conflicts++
			default:
				t.Fatalf("run %d: unexpected error %v", run, err)
			}
		}
		require.Equal(t, 1, ok, "run %d: %v", run, errs)
		require.Equal(t, 1, conflicts, "run %d: %v", run, errs)
		require.Equal(t, int64(1), ownersCount(t, client, pid), "run %d", run)

		members, err := s.Members(context.Background(), pid)
		require.NoError(t, err)
		var owners int
		for _, m := range members {
			if m.Role == project.Owner {
				owners++
			}
		}
		require.Equal(t, 1, owners, "run %d", run)
	}
}

func TestProjectStoreMemberships(t *testing.T) {
	s, _ := newProjectStore(t)
	ctx := context.Background()
	user := fmt.Sprintf("u%d", projectTestSeq)
	p1 := createProject(t, s, user)
	p2 := createProject(t, s, "alice")
	p3 := createProject(t, s, "alice")
	_, err := s.SetMember(ctx, p3, user, project.Viewer, "alice", projectNow)
	require.NoError(t, err)
	_, err = s.SetMember(ctx, p2, user, project.Editor, "alice", projectNow)
	require.NoError(t, err)

	got, err := s.Memberships(ctx, user)
	require.NoError(t, err)
	require.Equal(t, []valetfs.Membership{
		{Project: p1, Role: project.Owner},
		{Project: p2, Role: project.Editor},
		{Project: p3, Role: project.Viewer},
	}, got)

	require.NoError(t, s.RemoveMember(ctx, p2, user, user))
	_, err = s.SetMember(ctx, p3, user, project.Owner, "alice", projectNow)
	require.NoError(t, err)
	got, err = s.Memberships(ctx, user)
	require.NoError(t, err)
	require.Equal(t, []valetfs.Membership{{Project: p1, Role: project.Owner}, {Project: p3, Role: project.Owner}}, got)

	got, err = s.Memberships(ctx, "nobody-at-all")
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestProjectStoreDelete(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	user := fmt.Sprintf("u%d", projectTestSeq)
	pid := createProject(t, s, user)
	_, err := s.SetMember(ctx, pid, "bob", project.Editor, user, projectNow)
	require.NoError(t, err)
	_, err = client.Collection("spaces").Doc("projects:"+pid).Set(ctx, map[string]any{"objects": int64(3)})
	require.NoError(t, err)

	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.FinishDelete(ctx, pid, projectNow)), "FinishDelete needs BeginDelete first")
	err = s.BeginDelete(ctx, pid, false)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	require.Contains(t, err.Error(), fmt.Sprintf("project %s still holds 3 objects; delete them or pass force=true", pid))
	_, err = s.Get(ctx, pid)
	require.NoError(t, err, "a refused delete leaves the project alone")

	require.NoError(t, s.BeginDelete(ctx, pid, true))
	require.NoError(t, s.BeginDelete(ctx, pid, false), "already deleting: nothing to do")
	_, err = s.Get(ctx, pid)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	_, err = s.Members(ctx, pid)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	role, err := s.Role(ctx, pid, user)
	require.NoError(t, err)
	require.Equal(t, project.None, role)
	_, err = s.SetMember(ctx, pid, "carol", project.Viewer, user, projectNow)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.Create(ctx, &project.Project{ID: pid}, "carol", projectNow)),
		"a project being deleted still holds its id")

	require.NoError(t, s.FinishDelete(ctx, pid, projectNow))
	require.NoError(t, s.FinishDelete(ctx, pid, projectNow), "idempotent")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(s.BeginDelete(ctx, pid, true)))

	members, err := client.Collection(valetfs.ProjectsCollection).Doc(pid).Collection(valetfs.MembersCollection).Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, members)
	memberships, err := client.Collection(valetfs.MembershipsCollection).Where("project", "==", pid).Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, memberships)
	got, err := s.Memberships(ctx, user)
	require.NoError(t, err)
	require.Empty(t, got)
	role, err = s.Role(ctx, pid, "bob")
	require.NoError(t, err)
	require.Equal(t, project.None, role)

	err = s.Create(ctx, &project.Project{ID: pid}, "carol", projectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the id of a deleted project is never reissued")
	require.Contains(t, err.Error(), "never reissued")
	role, err = s.Role(ctx, pid, "carol")
	require.NoError(t, err)
	require.Equal(t, project.None, role)
}

// The stored layout is a contract the objects store and others read.
func TestProjectStoreLayout(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")
	_, err := s.SetMember(ctx, pid, "bob", project.Editor, "alice", projectNow)
	require.NoError(t, err)

	snap, err := client.Collection("projects").Doc(pid).Get(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"id": pid, "displayName": "Team " + pid, "createdBy": "alice", "createdAt": projectNow,
		"deleting": false, "owners": int64(1),
	}, snap.Data())
	snap, err = client.Collection("projects").Doc(pid).Collection("members").Doc("bob").Get(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"user": "bob", "role": "editor", "addedBy": "alice", "addedAt": projectNow}, snap.Data())
	snap, err = client.Collection("memberships").Doc(pid + "~bob").Get(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"project": pid, "user": "bob", "role": "editor"}, snap.Data())
}

// FinishDelete removes more members than one transaction may write.
func TestProjectStoreFinishDeleteInBatches(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")
	bw := client.BulkWriter(ctx)
	const extra = 450
	for i := range extra {
		user := fmt.Sprintf("user%03d", i)
		_, err := bw.Set(client.Collection("projects").Doc(pid).Collection("members").Doc(user),
			project.Member{User: user, Role: project.Viewer, AddedBy: "alice", AddedAt: projectNow})
		require.NoError(t, err)
		_, err = bw.Set(client.Collection("memberships").Doc(pid+"~"+user),
			map[string]any{"project": pid, "user": user, "role": "viewer"})
		require.NoError(t, err)
	}
	bw.End()
	members, err := s.Members(ctx, pid)
	require.NoError(t, err)
	require.Len(t, members, extra+1)

	require.NoError(t, s.BeginDelete(ctx, pid, false))
	require.NoError(t, s.FinishDelete(ctx, pid, projectNow))
	left, err := client.Collection("memberships").Where("project", "==", pid).Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, left)
	left, err = client.Collection("projects").Doc(pid).Collection("members").Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, left)
	got, err := s.Memberships(ctx, "user007")
	require.NoError(t, err)
	require.Empty(t, got)
}
