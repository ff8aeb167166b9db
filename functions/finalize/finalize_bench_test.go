package finalize_test

import (
	"testing"

	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// BenchmarkWorkspaceFinalized is the workspace's finalize event posted as a
// binary-mode CloudEvent to the function's HTTP handler, as the local
// bridge posts it: the arrival check against fake-gcs, the job queued in
// the Firestore emulator and a workflow token minted into the Secret
// Manager emulator. Storing the job and its upload is outside the timer.
func BenchmarkWorkspaceFinalized(b *testing.B) {
	e := newEnv(b)
	srv := serve(b, e.h)

	var lastID ids.JobID
	for b.Loop() {
		b.StopTimer()
		j := e.newJob(false)
		obj := e.uploadArtifact(j.ID, job.WorkspaceKind, 0)
		lastID = j.ID
		b.StartTimer()
		if resp := post(b, srv.URL, finalize.EventType, obj); resp.Status/100 != 2 {
			b.Fatalf("finalize of %s answered %d: %s", j.ID, resp.Status, resp.Body)
		}
	}
	b.StopTimer()
	if got := e.get(lastID).State; got != job.Queued {
		b.Fatalf("the last job is %s, want %s", got, job.Queued)
	}
}
