package jobtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/storetest"
)

// listAll pages through q, checking each page's bound.
func listAll(t *testing.T, s job.Store, q job.Query) []*job.Job {
	t.Helper()
	bound := q.PageSize
	if bound == 0 {
		bound = 50 // the default page size
	}
	var all []*job.Job
	for range 1000 {
		page, next, err := s.List(storetest.Context(t), q)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), bound)
		all = append(all, page...)
		if next == "" {
			return all
		}
		q.PageToken = next
	}
	t.Fatal("List never ended")
	return nil
}

func idsOf(js []*job.Job) []ids.JobID {
	out := make([]ids.JobID, len(js))
	for i, j := range js {
		out[i] = j.ID
	}
	return out
}

func testList(t *testing.T, s job.Store) {
	// alice owns 7 jobs (3 in project p1, some sharing a createdAt), bob 3
	// in p1 and 2 in p2, carol 2 alone.
	var alice, bobP1, bobP2, carol []*job.Job
	for i := range 7 {
		var project ids.ProjectID
		if i < 3 {
			project = "p1"
		}
		alice = append(alice, create(t, s, "alice", project, storetest.T0.Add(time.Duration(i/2)*time.Minute), i%2 == 0))
	}
	for i := range 3 {
		bobP1 = append(bobP1, create(t, s, "bob", "p1", storetest.T0.Add(time.Duration(i)*time.Minute), false))
	}
	for i := range 2 {
		bobP2 = append(bobP2, create(t, s, "bob", "p2", storetest.T0.Add(time.Duration(i)*time.Minute), false))
		carol = append(carol, create(t, s, "carol", "", storetest.T0.Add(time.Duration(i)*time.Minute), false))
	}

	checkOrder := func(js []*job.Job) {
		for i := 1; i < len(js); i++ {
			a, b := js[i-1], js[i]
			require.True(t, a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID,
				"order broken at %d: %s@%v then %s@%v", i, a.ID, a.CreatedAt, b.ID, b.CreatedAt)
		}
	}
	for _, size := range []int{1, 2, 3, 50} {
		got := listAll(t, s, job.Query{Owner: "alice", Projects: []ids.ProjectID{"p1"}, PageSize: size})
		require.ElementsMatch(t, idsOf(append(append([]*job.Job{}, alice...), bobP1...)), idsOf(got), "page size %d", size)
		checkOrder(got)
	}
	got := listAll(t, s, job.Query{Owner: "alice"})
	require.ElementsMatch(t, idsOf(alice[3:]), idsOf(got), "Owner lists personal jobs only: project jobs are reached through membership")
	got = listAll(t, s, job.Query{Projects: []ids.ProjectID{"p1", "p2"}, PageSize: 2})
	require.ElementsMatch(t, idsOf(append(append(append([]*job.Job{}, alice[:3]...), bobP1...), bobP2...)), idsOf(got))
	got = listAll(t, s, job.Query{Project: "p2", PageSize: 1})
	require.ElementsMatch(t, idsOf(bobP2), idsOf(got))
	got = listAll(t, s, job.Query{Owner: "alice", Projects: []ids.ProjectID{"p1"}, Project: "p1", PageSize: 2})
	require.ElementsMatch(t, idsOf(append(append([]*job.Job{}, alice[:3]...), bobP1...)), idsOf(got))
	got = listAll(t, s, job.Query{Owner: "alice", Projects: []ids.ProjectID{"p1"}, State: job.Queued, PageSize: 3})
	require.ElementsMatch(t, []ids.JobID{alice[0].ID, alice[2].ID, alice[4].ID, alice[6].ID}, idsOf(got))
	for _, j := range got {
		require.Equal(t, job.Queued, j.State)
	}
	got = listAll(t, s, job.Query{Owner: "carol", Projects: []ids.ProjectID{"p9"}})
	require.ElementsMatch(t, idsOf(carol), idsOf(got))
	got = listAll(t, s, job.Query{Owner: "dave"})
	require.Empty(t, got)
}

func testListInvalid(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	create(t, s, "alice", "", storetest.T0, false)
	for name, q := range map[string]job.Query{
		"bad token":      {Owner: "alice", PageToken: "not a token!"},
		"garbage token":  {Owner: "alice", PageToken: "Z2FyYmFnZQ"},
		"page too large": {Owner: "alice", PageSize: 101},
		"negative page":  {Owner: "alice", PageSize: -1},
		"bad state":      {Owner: "alice", State: "NAPPING"},
	} {
		_, _, err := s.List(ctx, q)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%s: err=%v", name, err)
	}
}

func testDue(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	now := storetest.T0.Add(2 * time.Hour)

	// Upload windows: storetest.T0+1h (passed) and now+1h-ish (open).
	expiredUpload := create(t, s, "alice", "", storetest.T0, false)
	openUpload := create(t, s, "alice", "", now.Add(-time.Minute), false)
	// Deadlines (queue time + 1h): passed, and still ahead.
	pastDeadline := create(t, s, "alice", "", storetest.T0, true)
	queuedOK := create(t, s, "alice", "", now.Add(-time.Minute), true)
	// Leases: one lapsed, one live; deadlines ahead of now for both.
	lapsed := create(t, s, "alice", "", now.Add(-10*time.Minute), true)
	live := create(t, s, "alice", "", now.Add(-10*time.Minute), true)
	for _, l := range []struct {
		j     *job.Job
		lease time.Duration
	}{{lapsed, time.Minute}, {live, time.Hour}} {
		_, err := s.Update(ctx, l.j.ID, func(j *job.Job) ([]job.Event, error) {
			ev, err := j.Claim("disp", "w", l.lease, now.Add(-5*time.Minute))
			return []job.Event{ev}, err
		})
		require.NoError(t, err)
	}
	// Final jobs are due only while they hold secrets, whatever their
	// timers say.
	final := create(t, s, "alice", "", storetest.T0, true)
	_, err := s.Update(ctx, final.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Cancel("alice", storetest.T0.Add(time.Minute))
		if err != nil {
			return nil, err
		}
		scrubbed, err := j.Scrubbed(storetest.T0.Add(time.Minute))
		return []job.Event{ev, scrubbed}, err
	})
	require.NoError(t, err)
	unscrubbed := create(t, s, "alice", "", storetest.T0, true)
	_, err = s.Update(ctx, unscrubbed.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Cancel("alice", storetest.T0.Add(time.Minute))
		return []job.Event{ev}, err
	})
	require.NoError(t, err)

	due, err := s.Due(ctx, now, 100)
	require.NoError(t, err)
	require.ElementsMatch(t, []ids.JobID{expiredUpload.ID, pastDeadline.ID, lapsed.ID, unscrubbed.ID}, due)
	for _, j := range []*job.Job{openUpload, queuedOK, live, final} {
		require.NotContains(t, due, j.ID)
	}

	// Each due job's Sweep does something; the final one is scrubbed.
	for _, id := range due {
		_, err := s.Update(ctx, id, func(j *job.Job) ([]job.Event, error) {
			if j.State.Final() {
				ev, err := j.Scrubbed(now)
				return []job.Event{ev}, err
			}
			ev, err := j.Sweep(now)
			return []job.Event{ev}, err
		})
		require.NoError(t, err, "job %s", id)
	}
	// The job that failed on its deadline now waits for its scrub.
	due, err = s.Due(ctx, now, 100)
	require.NoError(t, err)
	require.Equal(t, []ids.JobID{pastDeadline.ID}, due)
	_, err = s.Update(ctx, pastDeadline.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Scrubbed(now)
		return []job.Event{ev}, err
	})
	require.NoError(t, err)
	due, err = s.Due(ctx, now, 100)
	require.NoError(t, err)
	require.Empty(t, due, "nothing is due after the sweep (the lapsed job is queued again, its deadline ahead)")

	// Bounded by limit.
	due, err = s.Due(ctx, now.Add(24*time.Hour), 2)
	require.NoError(t, err)
	require.Len(t, due, 2)
}

func testReusable(t *testing.T, s job.Store) {
	ctx := storetest.Context(t)
	const md5 = "bWQ1bWQ1bWQ1bWQ1bWQ1bQ=="
	succeed := func(owner ids.UserID, finished time.Time) *job.Job {
		j, first := NewJob(owner, "", storetest.T0)
		j.RuntimeUser, j.Workspace.MD5 = string(owner), md5
		require.NoError(t, s.Create(ctx, j, first))
		j, err := s.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
			queued, _, err := j.WorkspaceArrived(job.Arrival{Generation: 1, SizeBytes: 10, MD5: md5}, storetest.T0)
			if err != nil {
				return nil, err
			}
			ev, err := j.Claim("disp", "w", time.Hour, finished)
			if err != nil {
				return nil, err
			}
			queued = append(queued, ev)
			events, _, err := j.ArtifactArrived(job.OutputKind, job.Arrival{Generation: 1, SizeBytes: 1, Epoch: j.Lock.Epoch}, finished)
			return append(queued, events...), err
		})
		require.NoError(t, err)
		require.Equal(t, job.Succeeded, j.State)
		return j
	}
	older := succeed("alice", storetest.T0.Add(time.Minute))
	newer := succeed("alice", storetest.T0.Add(2*time.Minute))
	succeed("bob", storetest.T0.Add(3*time.Minute))
	create(t, s, "alice", "", storetest.T0, true) // queued, not finished

	key := job.ReuseKey{SpecHash: older.SpecHash, WorkspaceMD5: older.Workspace.MD5, RuntimeUser: older.RuntimeUser, RuntimeScopes: older.RuntimeScopes}
	found, err := s.Reusable(ctx, key, 10)
	require.NoError(t, err)
	require.Len(t, found, 2)
	require.Equal(t, newer.ID, found[0].ID, "newest first")
	require.Equal(t, older.ID, found[1].ID)
	for _, j := range found {
		require.True(t, key.Matches(j, false))
	}

	key.SpecHash = "another"
	found, err = s.Reusable(ctx, key, 10)
	require.NoError(t, err)
	require.Empty(t, found)

	_, err = s.Reusable(ctx, job.ReuseKey{}, 10)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

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
	const writers = 8
	created := make([][]ids.JobID, writers)
	storetest.Concurrently(writers, func(w int) error {
		for i := w; i < RaceJobs; i += writers {
			created[w] = append(created[w], create(t, s, "racer", "", storetest.T0.Add(time.Duration(i)*time.Second), true).ID)
		}
		return nil
	})
	queued := map[ids.JobID]bool{}
	for _, js := range created {
		for _, id := range js {
			queued[id] = true
		}
	}
	require.Len(t, queued, RaceJobs)

	start := time.Now()
	claims := make([][]*job.Job, RaceClaimers)
	now := storetest.T0.Add(time.Hour)
	errs := storetest.Concurrently(RaceClaimers, func(c int) error {
		holder := "dispatcher-" + string(rune('a'+c))
		for range RaceJobs + 1 {
			j, err := s.ClaimNext(ctx, job.Claimant{Holder: holder, Worker: holder + "-worker", Lease: time.Minute}, now)
			if err != nil || j == nil {
				return err
			}
			claims[c] = append(claims[c], j)
		}
		return nil
	})
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
