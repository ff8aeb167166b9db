package firestore_test

import (
	"testing"

	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/job/jobtest"
)

func TestJobStoreConformance(t *testing.T) {
	client := firestoretest.New(t)
	project := firestoretest.ProjectID(t)
	jobtest.Run(t, func(t *testing.T) job.Store {
		firestoretest.Reset(t, project)
		return valetfs.NewJobStore(client)
	})
}
