package dispatch_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

func TestClaimTakesTheQueuedJob(t *testing.T) {
	e := newEnv(t)
	e.queued(t, t0.Add(-time.Hour), func(j *job.Job) { j.State = job.AwaitingWorkspace; j.Deadline = time.Time{} })
	q := e.queued(t, t0.Add(-time.Minute))

	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
	require.Equal(t, q.ID, c.Job.ID)
	require.Equal(t, job.Locked, c.Job.State)
	require.EqualValues(t, 1, c.Lock.Epoch)
	require.True(t, t0.Add(job.DefaultLease).Equal(c.Lock.LeaseExpiresAt), c.Lock.LeaseExpiresAt)
	require.Equal(t, "w1", c.Job.Lock.Worker)

	stored, err := e.store.Get(t.Context(), q.ID)
	require.NoError(t, err)
	require.Equal(t, "disp1", stored.Lock.Holder, "the holder is the principal's id")

	status, body := e.call(t, "service:disp1", http.MethodPost, "/claim", map[string]any{"worker": "w1"})
	require.Equal(t, http.StatusNoContent, status)
	require.Empty(t, body)
}

func TestClaimLeaseSecondsAndNextJob(t *testing.T) {
	e := newEnv(t)
	old := e.queued(t, t0.Add(-2*time.Minute))
	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1", "leaseSeconds": 60})
	require.Equal(t, old.ID, c.Job.ID)
	require.True(t, t0.Add(time.Minute).Equal(c.Lock.LeaseExpiresAt))
	newer := e.queued(t, t0.Add(-time.Minute))
	c = e.claim(t, "service:disp2", map[string]any{"worker": "w2"})
	require.Equal(t, newer.ID, c.Job.ID)
}

func TestClaimEmptyQueue(t *testing.T) {
	e := newEnv(t)
	status, body := e.call(t, "service:disp1", http.MethodPost, "/claim", map[string]any{"worker": "w1"})
	require.Equal(t, http.StatusNoContent, status)
	require.Empty(t, body)
}

func TestClaimNeedsAServicePrincipal(t *testing.T) {
	e := newEnv(t)
	e.queued(t, t0)
	status, body := e.call(t, "", http.MethodPost, "/claim", map[string]any{"worker": "w1"})
	requireError(t, http.StatusUnauthorized, apperr.Unauthenticated, status, body)
	status, body = e.call(t, "user:u1", http.MethodPost, "/claim", map[string]any{"worker": "w1"})
	requireError(t, http.StatusForbidden, apperr.PermissionDenied, status, body)

	stored := e.claim(t, "service:disp1", map[string]any{"worker": "w1"})
	require.EqualValues(t, 1, stored.Lock.Epoch, "the refused calls claimed nothing")
}

func TestClaimBadInput(t *testing.T) {
	e := newEnv(t)
	e.queued(t, t0)
	for name, body := range map[string]any{
		"no worker":        map[string]any{},
		"blank worker":     map[string]any{"worker": "  "},
		"long worker":      map[string]any{"worker": strings.Repeat("w", 129)},
		"control char":     map[string]any{"worker": "w\x00"},
		"lease too short":  map[string]any{"worker": "w", "leaseSeconds": 29},
		"lease too long":   map[string]any{"worker": "w", "leaseSeconds": 3601},
		"sealTo not a key": map[string]any{"worker": "w", "sealTo": "AAAA"},
		"sealTo bad KEM":   map[string]any{"worker": "w", "sealTo": "p256:AAAA"},
		"sealTo short key": map[string]any{"worker": "w", "sealTo": "x25519:AAAA"},
		"singleUse string": map[string]any{"worker": "w", "singleUse": "yes"},
		"unknown field":    map[string]any{"worker": "w", "color": "red"},
		"not json":         "{",
		"wrong type":       map[string]any{"worker": 7},
	} {
		t.Run(name, func(t *testing.T) {
			status, raw := e.call(t, "service:disp1", http.MethodPost, "/claim", body)
			requireError(t, http.StatusBadRequest, apperr.Invalid, status, raw)
		})
	}
	status, raw := e.call(t, "service:disp1", http.MethodPost, "/claim", nil)
	requireError(t, http.StatusUnsupportedMediaType, apperr.UnsupportedMedia, status, raw)

	c := e.claim(t, "service:disp1", map[string]any{"worker": strings.Repeat("w", 128)})
	require.EqualValues(t, 1, c.Lock.Epoch, "no bad request claimed the job")
}

func TestConcurrentClaimsTakeEachJobOnce(t *testing.T) {
	e := newEnv(t)
	const jobs, claimers = 3, 5
	for i := range jobs {
		e.queued(t, t0.Add(time.Duration(i-jobs)*time.Minute))
	}
	type answer struct {
		status int
		id     ids.JobID
	}
	answers := make(chan answer, claimers)
	var wg sync.WaitGroup
	for i := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, raw := e.call(t, fmt.Sprintf("service:disp%d", i), http.MethodPost, "/claim", map[string]any{"worker": "w"})
			a := answer{status: status}
			if status == http.StatusOK {
				var c claimed
				if json.Unmarshal(raw, &c) == nil {
					a.id = c.Job.ID
				}
			}
			answers <- a
		}()
	}
	wg.Wait()
	close(answers)
	seen := map[ids.JobID]bool{}
	for a := range answers {
		require.Contains(t, []int{http.StatusOK, http.StatusNoContent, http.StatusTooManyRequests}, a.status)
		if a.status == http.StatusOK {
			require.NotEmpty(t, a.id)
			require.False(t, seen[a.id], "job %s claimed twice", a.id)
			seen[a.id] = true
		}
	}
	// Whatever was not claimed in the race is still claimable, once.
	for len(seen) < jobs {
		c := e.claim(t, "service:late", map[string]any{"worker": "w"})
		require.False(t, seen[c.Job.ID])
		seen[c.Job.ID] = true
	}
	status, _ := e.call(t, "service:late", http.MethodPost, "/claim", map[string]any{"worker": "w"})
	require.Equal(t, http.StatusNoContent, status)
}
