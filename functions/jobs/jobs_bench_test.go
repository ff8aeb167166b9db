package jobs

import (
	"net/http"
	"testing"
)

// Benchmarks of the jobs hot paths through the real handler over HTTP,
// against the Firestore emulator, built like the tests build it (newEnv).
// Read their figures as ratios to the floors (docs/benchmarks.md).

// BenchmarkCreateJob is POST /jobs: a new job and its signed upload URL.
func BenchmarkCreateJob(b *testing.B) {
	e := newEnv(b)
	alice := e.newUser("bench-create")
	body := validBody()
	e.createJob(alice, body) // warm the connection, the caches and the store
	for b.Loop() {
		if r := e.Do(alice, "POST", "/jobs", body); r.Status != http.StatusCreated {
			b.Fatalf("POST /jobs answered %d: %s", r.Status, r.Body)
		}
	}
}

// BenchmarkGetJob is GET /jobs/{id} by the job's owner.
func BenchmarkGetJob(b *testing.B) {
	e := newEnv(b)
	alice := e.newUser("bench-get")
	path := "/jobs/" + e.createJob(alice, nil).Job.ID
	for b.Loop() {
		if r := e.Do(alice, "GET", path, nil); r.Status != http.StatusOK {
			b.Fatalf("GET %s answered %d: %s", path, r.Status, r.Body)
		}
	}
}
