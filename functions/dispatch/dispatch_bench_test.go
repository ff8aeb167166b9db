package dispatch_test

import (
	"fmt"
	"net/http"
	"testing"

	"valet.dev/valet/shared/httpapi/apitest"
)

// BenchmarkClaimAndAuth is a worker's start of a job: POST /claim of the
// one queued job, then GET /jobs/{id}/auth for its bundle (signed URLs,
// a job token and a workflow token held in Secret Manager), served as
// newEnv serves it. Queueing the job is outside the timer.
func BenchmarkClaimAndAuth(b *testing.B) {
	apitest.DiscardLogs(b)
	e := newEnv(b)
	const dispatcher = "service:bench-dispatcher"
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		q := e.queued(b, e.clock.Now())
		b.StartTimer()
		c := e.claim(b, dispatcher, map[string]any{"worker": "w1"})
		if c.Job.ID != q.ID {
			b.Fatalf("claimed %s, want the queued %s", c.Job.ID, q.ID)
		}
		status, raw := e.call(b, dispatcher, http.MethodGet, fmt.Sprintf("/jobs/%s/auth?epoch=%d", q.ID, c.Lock.Epoch), nil)
		if status != http.StatusOK {
			b.Fatalf("auth of %s answered %d: %s", q.ID, status, raw)
		}
	}
}
