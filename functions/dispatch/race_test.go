package dispatch_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// afterGet is a job.Store that runs hook once, right after the first Get
// has read the job: whatever hook writes lands between the handler's read
// and what the handler does next.
type afterGet struct {
	job.Store
	hook func()
	ran  atomic.Bool
}

func (s *afterGet) Get(ctx context.Context, id ids.JobID) (*job.Job, error) {
	j, err := s.Store.Get(ctx, id)
	if err == nil && s.ran.CompareAndSwap(false, true) {
		s.hook()
	}
	return j, err
}

// A job requeued between the auth handler's read of the job and its
// answer must not get its bundle: the lock is checked again right before
// the answer, single-use or not (on a second read, or in the transaction
// that uses up a single-use claim). Before, a
// reusable bundle was checked on the read only, so the stale holder got
// the tokens and URLs of a claim that had ended.
func TestAuthBundleRechecksTheLockAfterARequeue(t *testing.T) {
	for _, singleUse := range []bool{false, true} {
		var hooked *afterGet
		e := newEnvWith(t, func(s job.Store) job.Store {
			hooked = &afterGet{Store: s}
			return hooked
		})
		q := e.queued(t, t0)
		c := e.claim(t, "service:disp1", map[string]any{"worker": "w1", "singleUse": singleUse})
		hooked.hook = func() {
			_, err := e.store.Update(context.Background(), q.ID, func(j *job.Job) ([]job.Event, error) {
				ev, err := j.Report(j.Lock.Holder, c.Lock.Epoch, job.Queued, "lease handed back", e.clock.Now())
				return []job.Event{ev}, err
			})
			require.NoError(t, err)
		}
		status, raw := e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
		requireError(t, http.StatusConflict, apperr.Conflict, status, raw)
		require.True(t, hooked.ran.Load(), "the requeue ran between the read and the answer")
	}
}
