package jobs

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"valet.dev/valet/shared/logging"
)

// Benchmarks of the jobs hot paths through the real handler over HTTP,
// against the Firestore emulator, built like the tests build it (newEnv).
// Read their figures as ratios to the floors (docs/benchmarks.md).

// BenchmarkCreateJob is POST /jobs: a new job and its signed upload URL.
func BenchmarkCreateJob(b *testing.B) {
	benchDiscardLogs(b)
	e := newEnv(b)
	alice := e.newUser("bench-create")
	body := validBody()
	e.createJob(alice, body) // warm the connection, the caches and the store
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if r := e.do(alice, "POST", "/jobs", body); r.status != http.StatusCreated {
			b.Fatalf("POST /jobs answered %d: %s", r.status, r.body)
		}
	}
}

// BenchmarkGetJob is GET /jobs/{id} by the job's owner.
func BenchmarkGetJob(b *testing.B) {
	benchDiscardLogs(b)
	e := newEnv(b)
	alice := e.newUser("bench-get")
	path := "/jobs/" + e.createJob(alice, nil).Job.ID
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if r := e.do(alice, "GET", path, nil); r.status != http.StatusOK {
			b.Fatalf("GET %s answered %d: %s", path, r.status, r.body)
		}
	}
}

// benchDiscardLogs sends request logs through the production logger to
// io.Discard for the benchmark, so they cost what they cost but do not
// flood the output.
func benchDiscardLogs(b *testing.B) {
	prev := slog.Default()
	slog.SetDefault(logging.New(io.Discard, logging.Options{}))
	b.Cleanup(func() { slog.SetDefault(prev) })
}
