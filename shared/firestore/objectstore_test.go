package firestore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object/objecttest"
	"valet.dev/valet/shared/project/projecttest"
	"valet.dev/valet/shared/schema"
)

// Objects of a project space are created only while projects/{pid} exists
// without "deleting": the object store reads the project store's document
// in its transaction.
func TestObjectStoreProjectSpaceNeedsALiveProject(t *testing.T) {
	client := firestoretest.New(t)
	s := valetfs.NewObjectStore(client)
	ctx := context.Background()
	pid := projecttest.NewProjectID()
	space := ids.ProjectSpace(pid)

	_, err := objecttest.Create(t, s, space, "a", 1, 0)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "absent project")
	require.Contains(t, err.Error(), fmt.Sprintf("project %s not found", pid))

	_, err = client.Collection(valetfs.ProjectsCollection).Doc(string(pid)).Set(ctx, map[string]any{"id": string(pid), "deleting": false})
	require.NoError(t, err)
	_, err = objecttest.Create(t, s, space, "a", 1, 0)
	require.NoError(t, err)

	_, err = client.Collection(valetfs.ProjectsCollection).Doc(string(pid)).Set(ctx, map[string]any{"id": string(pid), "deleting": true})
	require.NoError(t, err)
	_, err = objecttest.Create(t, s, space, "b", 1, 0)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "project being deleted")
	require.Equal(t, int64(1), objecttest.Usage(t, s, space).Objects)
}

// The stored layout is a contract the project store reads (the usage's
// objects count before a delete).
func TestObjectStoreLayout(t *testing.T) {
	client := firestoretest.New(t)
	s := valetfs.NewObjectStore(client)
	ctx := context.Background()
	space := objecttest.NewSpace()
	o := objecttest.MustCreate(t, s, space, "a", 5)

	snap, err := client.Collection(valetfs.SpacesCollection).Doc(valetfs.SpaceDocID(space)).Get(ctx)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"space": string(space), "usedBytes": int64(0), "reservedBytes": int64(5), "objects": int64(1), "schemaVersion": int64(schema.Spaces)}, snap.Data())
	snap, err = client.Collection(valetfs.ObjectsCollection).Doc(string(o.ID)).Get(ctx)
	require.NoError(t, err)
	require.Equal(t, string(o.ID), snap.Data()["id"])
	require.Equal(t, string(space), snap.Data()["space"])
	require.Equal(t, "u1", snap.Data()["createdBy"])
	require.Equal(t, o.Key, snap.Data()["key"])
}
