package migrate

import (
	valetfs "valet.dev/valet/shared/firestore"
)

// All is every migration, in the order they run.
//
// Migration 1 ("0001-schema-version-<collection>") stamps version 1 on
// the documents the previous release wrote without a version: their form
// is otherwise version 1's, which the functions read either way.
func All() []Migration {
	stamp := []struct {
		collection string
		group      bool
	}{
		{valetfs.ProjectsCollection, false},
		{valetfs.MembersCollection, true},
		{valetfs.MembershipsCollection, false},
		{valetfs.TombstonesCollection, false},
		{valetfs.SpacesCollection, false},
		{valetfs.ObjectsCollection, false},
		{valetfs.JobsCollection, false},
		{valetfs.EventsCollection, true},
		{valetfs.TokensCollection, false},
		{valetfs.AuditCollection, true},
	}
	out := make([]Migration, 0, len(stamp))
	for _, c := range stamp {
		out = append(out, Migration{Name: "0001-schema-version-" + c.collection, Collection: c.collection, Group: c.group, From: 0, To: 1})
	}
	return out
}
