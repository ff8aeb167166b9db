package firestore_test

import (
	"testing"

	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/apitoken/tokentest"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/audit/audittest"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/job/jobtest"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/object/objecttest"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/project/projecttest"
)

// Each store runs its domain's conformance suite against the emulator, as
// go-cloud's drivers run drivertest; the other tests of this package are
// about how Firestore keeps those contracts (layouts, counters, batches).

func TestJobStoreConformance(t *testing.T) {
	client := firestoretest.New(t)
	project := firestoretest.ProjectID(t)
	jobtest.Run(t, func(t *testing.T) job.Store {
		firestoretest.Reset(t, project)
		return valetfs.NewJobStore(client)
	})
}

func TestObjectStoreConformance(t *testing.T) {
	client := firestoretest.New(t)
	objecttest.Run(t, func(t *testing.T) object.Store { return valetfs.NewObjectStore(client) })
}

func TestProjectStoreConformance(t *testing.T) {
	client := firestoretest.New(t)
	projecttest.Run(t, func(t *testing.T) project.Store { return valetfs.NewProjectStore(client) })
}

func TestTokenStoreConformance(t *testing.T) {
	client := firestoretest.New(t)
	tokentest.Run(t, func(t *testing.T) apitoken.Store { return valetfs.NewTokenStore(client) })
}

func TestAuditStoreConformance(t *testing.T) {
	client := firestoretest.New(t)
	audittest.Run(t, func(t *testing.T) audit.Log { return valetfs.NewAuditStore(client) })
}
