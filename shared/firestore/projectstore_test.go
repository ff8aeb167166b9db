package firestore_test

import (
	"context"
	"fmt"
	"testing"

	"cloud.google.com/go/firestore"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/project/projecttest"
	"valet.dev/valet/shared/schema"
	"valet.dev/valet/shared/storetest"
)

var projectNow = storetest.T0

func newProjectStore(t *testing.T) (*valetfs.ProjectStore, *firestore.Client) {
	t.Helper()
	client := firestoretest.New(t)
	return valetfs.NewProjectStore(client), client
}

func createProject(t *testing.T, s *valetfs.ProjectStore, owner ids.UserID) ids.ProjectID {
	t.Helper()
	return projecttest.Create(t, s, owner)
}

func ownersCount(t *testing.T, client *firestore.Client, pid ids.ProjectID) int64 {
	t.Helper()
	snap, err := client.Collection(valetfs.ProjectsCollection).Doc(string(pid)).Get(context.Background())
	require.NoError(t, err)
	n, err := snap.DataAt("owners")
	require.NoError(t, err)
	return n.(int64)
}

// The owners count on the project doc, which the last-owner rule reads,
// follows every member change.
func TestProjectStoreOwnersCount(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	alice, bob := projecttest.NewUserID("alice"), projecttest.NewUserID("bob")
	pid := createProject(t, s, alice)
	require.Equal(t, int64(1), ownersCount(t, client, pid))

	_, err := s.SetMember(ctx, pid, bob, project.Owner, alice, projectNow)
	require.NoError(t, err)
	require.Equal(t, int64(2), ownersCount(t, client, pid))
	_, err = s.SetMember(ctx, pid, bob, project.Owner, alice, projectNow)
	require.NoError(t, err)
	require.Equal(t, int64(2), ownersCount(t, client, pid), "the same role again changes nothing")
	_, err = s.SetMember(ctx, pid, alice, project.Viewer, bob, projectNow)
	require.NoError(t, err)
	require.Equal(t, int64(1), ownersCount(t, client, pid))
	require.NoError(t, s.RemoveMember(ctx, pid, alice, alice))
	require.Equal(t, int64(1), ownersCount(t, client, pid))
	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.RemoveMember(ctx, pid, bob, bob)))
	require.Equal(t, int64(1), ownersCount(t, client, pid))
}

// BeginDelete reads the usage the object store keeps for the project's
// space (spaces/projects:<pid>) and refuses a project holding objects
// unless forced; FinishDelete removes the member and membership docs.
func TestProjectStoreDeleteReadsSpaceUsage(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	user := projecttest.NewUserID("u")
	pid := createProject(t, s, user)
	_, err := s.SetMember(ctx, pid, "bob", project.Editor, user, projectNow)
	require.NoError(t, err)
	_, err = client.Collection("spaces").Doc("projects:"+string(pid)).Set(ctx, map[string]any{"objects": int64(3)})
	require.NoError(t, err)

	err = s.BeginDelete(ctx, pid, false)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	require.Contains(t, err.Error(), fmt.Sprintf("project %s still holds 3 objects; delete them or pass force=true", pid))
	_, err = s.Get(ctx, pid)
	require.NoError(t, err, "a refused delete leaves the project alone")

	require.NoError(t, s.BeginDelete(ctx, pid, true))
	require.NoError(t, s.FinishDelete(ctx, pid, projectNow))
	members, err := client.Collection(valetfs.ProjectsCollection).Doc(string(pid)).Collection(valetfs.MembersCollection).Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, members)
	memberships, err := client.Collection(valetfs.MembershipsCollection).Where("project", "==", string(pid)).Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, memberships)
	tomb, err := client.Collection(valetfs.TombstonesCollection).Doc(string(pid)).Get(ctx)
	require.NoError(t, err)
	require.Equal(t, string(pid), tomb.Data()["id"], "the tombstone stays")
}

// The stored layout is a contract the objects store and others read.
func TestProjectStoreLayout(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")
	_, err := s.SetMember(ctx, pid, "bob", project.Editor, "alice", projectNow)
	require.NoError(t, err)

	snap, err := client.Collection("projects").Doc(string(pid)).Get(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]any{
		"id": string(pid), "displayName": "Team " + string(pid), "createdBy": "alice", "createdAt": projectNow,
		"deleting": false, "owners": int64(1), "schemaVersion": int64(schema.Projects),
	}, snap.Data())
	snap, err = client.Collection("projects").Doc(string(pid)).Collection("members").Doc("bob").Get(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"user": "bob", "role": "editor", "addedBy": "alice", "addedAt": projectNow, "schemaVersion": int64(schema.Members)}, snap.Data())
	snap, err = client.Collection("memberships").Doc(string(pid) + "~bob").Get(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"project": string(pid), "user": "bob", "role": "editor", "schemaVersion": int64(schema.Memberships)}, snap.Data())
}

// FinishDelete removes more members than one transaction may write.
func TestProjectStoreFinishDeleteInBatches(t *testing.T) {
	s, client := newProjectStore(t)
	ctx := context.Background()
	pid := createProject(t, s, "alice")
	bw := client.BulkWriter(ctx)
	const extra = 450
	prefix := string(projecttest.NewUserID("user")) + "-"
	for i := range extra {
		user := ids.UserID(fmt.Sprintf("%s%03d", prefix, i))
		_, err := bw.Set(client.Collection("projects").Doc(string(pid)).Collection("members").Doc(string(user)),
			project.Member{User: user, Role: project.Viewer, AddedBy: "alice", AddedAt: projectNow})
		require.NoError(t, err)
		_, err = bw.Set(client.Collection("memberships").Doc(string(pid)+"~"+string(user)),
			map[string]any{"project": string(pid), "user": string(user), "role": "viewer", "schemaVersion": int64(schema.Memberships)})
		require.NoError(t, err)
	}
	bw.End()
	members, err := s.Members(ctx, pid)
	require.NoError(t, err)
	require.Len(t, members, extra+1)

	require.NoError(t, s.BeginDelete(ctx, pid, false))
	require.NoError(t, s.FinishDelete(ctx, pid, projectNow))
	left, err := client.Collection("memberships").Where("project", "==", string(pid)).Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, left)
	left, err = client.Collection("projects").Doc(string(pid)).Collection("members").Documents(ctx).GetAll()
	require.NoError(t, err)
	require.Empty(t, left)
	got, err := s.Memberships(ctx, ids.UserID(prefix+"007"))
	require.NoError(t, err)
	require.Empty(t, got)
}
