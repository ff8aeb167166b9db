package dispatch_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi/apitest"

	valetfs "valet.dev/valet/shared/firestore"
)

// BenchmarkClaimAndAuth is a worker's start of a job: POST /claim of the
// one queued job, then GET /jobs/{id}/auth for its bundle (signed URLs,
// a job token, the workflow token held in Secret Manager, the bundle's
// audit entry stored in Firestore), served as newEnv serves it.
//
// Outside the timer, each round queues the job as finalize does: the job
// and its workflow token, minted when it is queued. (Deleting the
// claimed jobs between rounds, so that the emulator's claim query scans
// fewer of them, measured slower rounds, not faster.)
func BenchmarkClaimAndAuth(b *testing.B) {
	ctx := context.Background()
	e := newEnvFrom(b, envOptions{audit: valetfs.NewAuditStore(firestoretest.New(b))})
	quiet := apitest.Audit(b)
	const dispatcher = "service:bench-dispatcher"
	for b.Loop() {
		b.StopTimer()
		q := e.queued(b, e.clock.Now())
		_, err := custody.Workflow(ctx, e.secrets.Store, e.workflowMinter(), q, quiet)
		require.NoError(b, err)
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
