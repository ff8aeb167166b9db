package jobtest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/storetest"
)

func testClaimNextEmpty(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	create(t, s, "alice", "", storetest.T0, false) // awaiting its workspace: not claimable
	j, err := s.ClaimNext(ctx, job.Claimant{Holder: "disp", Worker: "w1", Lease: time.Minute}, storetest.T0)
	require.NoError(t, err)
	require.Nil(t, j)
}

func testClaimNext(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	queued := create(t, s, "alice", "", storetest.T0, true)
	now := storetest.T0.Add(time.Minute)

	j, err := s.ClaimNext(ctx, job.Claimant{Holder: "disp", Worker: "w1", Lease: 2 * time.Minute}, now)
	require.NoError(t, err)
	require.NotNil(t, j)
	require.Equal(t, queued.ID, j.ID)
	require.Equal(t, job.Locked, j.State)
	require.EqualValues(t, 1, j.Lock.Epoch)
	require.Equal(t, "disp", j.Lock.Holder)
	require.Equal(t, "w1", j.Lock.Worker)
	require.True(t, now.Add(2*time.Minute).Equal(j.Lock.LeaseExpiresAt))

	stored, err := s.Get(ctx, j.ID)
	require.NoError(t, err)
	require.Equal(t, job.Locked, stored.State)
	require.EqualValues(t, 1, stored.Lock.Epoch)
	require.Equal(t, "disp", stored.Lock.Holder)
	require.True(t, j.Lock.LeaseExpiresAt.Equal(stored.Lock.LeaseExpiresAt))
	require.NoError(t, stored.CheckLock("disp", 1, now))
	events := allEvents(t, s, j.ID, 10)
	require.Len(t, events, 3)
	require.Equal(t, job.EventLocked, events[2].Type)
	require.EqualValues(t, 1, events[2].Epoch)

	again, err := s.ClaimNext(ctx, job.Claimant{Holder: "disp", Worker: "w2", Lease: time.Minute}, now)
	require.NoError(t, err)
	require.Nil(t, again, "the only queued job is taken")

	// Handed back, it is claimed again under epoch 2.
	_, err = s.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Report("disp", 1, job.Queued, "worker left", now)
		return []job.Event{ev}, err
	})
	require.NoError(t, err)
	j, err = s.ClaimNext(ctx, job.Claimant{Holder: "other", Worker: "w3", Lease: time.Minute}, now)
	require.NoError(t, err)
	require.NotNil(t, j)
	require.EqualValues(t, 2, j.Lock.Epoch)
	require.Equal(t, 2, j.Attempt)
}

// Race sizes: every queued job must be claimed exactly once by claimers
// looping until the queue is empty.
const (
	RaceJobs     = 200
	RaceClaimers = 16
)

func testClaimRace(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	// Create the queue with a few writers in parallel.
	var mu sync.Mutex
	queued := map[ids.JobID]bool{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < RaceJobs; i += 8 {
				j := create(t, s, "racer", "", storetest.T0.Add(time.Duration(i)*time.Second), true)
				mu.Lock()
				queued[j.ID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	require.Len(t, queued, RaceJobs)

	start := time.Now()
	claims := make([][]*job.Job, RaceClaimers)
	errs := make([]error, RaceClaimers)
	now := storetest.T0.Add(time.Hour)
	for c := range RaceClaimers {
		wg.Go(func() {
			holder := "dispatcher-" + string(rune('a'+c))
			for range RaceJobs + 1 {
				j, err := s.ClaimNext(ctx, job.Claimant{Holder: holder, Worker: holder + "-worker", Lease: time.Minute}, now)
				if err != nil {
					errs[c] = err
					return
				}
				if j == nil {
					return
				}
				claims[c] = append(claims[c], j)
			}
		})
	}
	wg.Wait()
	t.Logf("%d claimers claimed %d jobs in %v", RaceClaimers, RaceJobs, time.Since(start).Round(time.Millisecond))

	seen := map[ids.JobID]string{}
	for c, js := range claims {
		require.NoError(t, errs[c], "claimer %d", c)
		for _, j := range js {
			require.True(t, queued[j.ID], "claimed unknown job %s", j.ID)
			prev, dup := seen[j.ID]
			require.False(t, dup, "job %s claimed by %s and %s", j.ID, prev, j.Lock.Holder)
			seen[j.ID] = j.Lock.Holder
			require.EqualValues(t, 1, j.Lock.Epoch)
			require.Equal(t, job.Locked, j.State)
		}
	}
	require.Len(t, seen, RaceJobs)
	for id, holder := range seen {
		stored, err := s.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, job.Locked, stored.State, "job %s", id)
		require.EqualValues(t, 1, stored.Lock.Epoch, "job %s", id)
		require.Equal(t, holder, stored.Lock.Holder, "job %s", id)
	}
	left, _, err := s.List(ctx, job.Query{Owner: "racer", State: job.Queued})
	require.NoError(t, err)
	require.Empty(t, left)
}
