package dispatch_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// auditCopies is an audit.Store that keeps the entries' copies, fails
// while down is set, and runs before (when set) ahead of each copy of a
// bundle's entry.
type auditCopies struct {
	mu      sync.Mutex
	entries []audit.Entry
	down    atomic.Bool
	before  func() error
}

func (s *auditCopies) Add(_ context.Context, e audit.Entry, _ time.Time) error {
	if s.before != nil && e.Action == audit.BundleHandedOut {
		if err := s.before(); err != nil {
			return err
		}
	}
	if s.down.Load() {
		return errors.New("the audit store is down")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
	return nil
}

// count is how many stored entries record action ("": any).
func (s *auditCopies) count(action audit.Action) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	others := func(e audit.Entry) bool { return action != "" && e.Action != action }
	return len(slices.DeleteFunc(slices.Clone(s.entries), others))
}

// Every bundle is audited before it leaves: when its entry's copy cannot
// be stored, the holder gets 503 and nothing of the bundle, and a
// single-use bundle is not used up by the failure (the retry gets it).
func TestNoBundleWithoutItsAuditEntry(t *testing.T) {
	for _, singleUse := range []bool{false, true} {
		copies := &auditCopies{}
		e := newEnvFrom(t, envOptions{audit: copies})
		q := e.queued(t, t0)
		c := e.claim(t, "service:disp1", map[string]any{"worker": "w1", "singleUse": singleUse})

		copies.down.Store(true)
		status, raw := e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
		requireError(t, http.StatusServiceUnavailable, apperr.Unavailable, status, raw)
		for _, part := range []string{"jobToken", "workflowToken", "X-Goog-Signature", "sealed"} {
			require.NotContains(t, string(raw), part, "singleUse %v", singleUse)
		}

		copies.down.Store(false)
		e.auth(t, q.ID, c.Lock.Epoch)
		require.Equal(t, 1, copies.count(audit.BundleHandedOut), "singleUse %v", singleUse)
	}
}

// secondGet is a job.Store whose second Get (the auth's recheck of the
// lock) waits at b.
type secondGet struct {
	job.Store
	gets atomic.Int32
	b    *barrier
}

func (s *secondGet) Get(ctx context.Context, id ids.JobID) (*job.Job, error) {
	if s.gets.Add(1) == 2 {
		if err := s.b.wait("the recheck of the lock"); err != nil {
			return nil, err
		}
	}
	return s.Store.Get(ctx, id)
}

// A reusable bundle's lock is checked again and its audit entry stored
// at the same time (one round trip for both, deployed): the recheck
// waits here until the entry's copy is being written, and the copy until
// the recheck is being read; one after the other never gets there
// (before, the recheck waited out the guard and the bundle was a 500).
func TestAuthRechecksTheLockWhileItAudits(t *testing.T) {
	b := newBarrier(2)
	copies := &auditCopies{before: func() error { return b.wait("the audit entry's copy") }}
	e := newEnvFrom(t, envOptions{audit: copies, wrap: func(s job.Store) job.Store { return &secondGet{Store: s, b: b} }})
	q, c := e.claimedJob(t)
	e.auth(t, q.ID, c.Lock.Epoch)
	require.Equal(t, 1, copies.count(audit.BundleHandedOut))
}

// A single-use bundle already taken is refused on the first read:
// nothing is signed, minted or audited for the refetch.
func TestRefusedRefetchMakesNothing(t *testing.T) {
	copies := &auditCopies{}
	var signed atomic.Int32
	sign := keySigner(t)
	e := newEnvFrom(t, envOptions{audit: copies, sign: func(b []byte) ([]byte, error) { signed.Add(1); return sign(b) }})
	q := e.queued(t, t0)
	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1", "singleUse": true})
	e.auth(t, q.ID, c.Lock.Epoch)
	entries, signatures := copies.count(""), signed.Load()

	status, raw := e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	requireError(t, http.StatusGone, apperr.Gone, status, raw)
	require.Equal(t, entries, copies.count(""), "no audit entry for a refused refetch")
	require.Equal(t, signatures, signed.Load(), "no URL signed for a refused refetch")
}
