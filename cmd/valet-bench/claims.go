package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/client"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/job"
)

// claims is figure 2: for 1, 4 and 16 dispatchers, claimJobs queued jobs
// drained through POST /claim (dispatch behind its front door), every job
// claimed exactly once; against the single-writer floor: one writer
// running read-then-write transactions back to back.
func (b *bench) claims(ctx context.Context, r *report) error {
	floor, err := b.singleWriterTxPerSecond(ctx, 300)
	if err != nil {
		return err
	}
	r.table(fmt.Sprintf("2. Claims over %d queued jobs", b.c.claimJobs),
		"dispatchers", "claims/s", "× single-writer tx/s", "claim p50", "claim p99", "p99/p50", "exactly once", "goal (16: ≥ 0.5×, p99 ≤ 4× p50)")
	r.row("floor: 1 writer, read+write transactions", fmt.Sprintf("%.0f tx/s", floor), "1.00×", "", "", "", "", "")
	for _, n := range []int{1, 4, 16} {
		ids, err := b.seedQueued(ctx, b.c.claimJobs, "bench-claims", "", job.Queued)
		if err != nil {
			return err
		}
		rate, durs, err := b.drain(ctx, n, ids)
		if err != nil {
			return fmt.Errorf("%d dispatchers: %w", n, err)
		}
		p50, p99 := pct(durs, 50), pct(durs, 99)
		goal := ""
		if n == 16 {
			goal = verdict(rate >= floor/2 && p99 <= 4*p50)
		}
		r.row(strconv.Itoa(n), fmt.Sprintf("%.0f", rate), ratio(rate, floor), ms(p50), ms(p99), ratio(float64(p99), float64(p50)), "yes", goal)
	}
	r.note("Each dispatcher claims until dispatch answers 204 (nothing queued); every claimed id is checked against the seeded ones, and a duplicate or a missing job stops the run.")
	return nil
}

// drain claims with n dispatchers until the queue is empty and checks that
// exactly the seeded jobs were claimed, once each. It returns claims per
// second and each successful claim's latency.
func (b *bench) drain(ctx context.Context, n int, seeded []string) (float64, []time.Duration, error) {
	var (
		mu      sync.Mutex
		claimed = map[string]int{}
		durs    []time.Duration
		errs    = make(chan error, n)
		wg      sync.WaitGroup
	)
	start := time.Now()
	for w := range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				t := time.Now()
				c, ok, err := b.disp.Claim(ctx, client.ClaimRequest{Worker: fmt.Sprintf("bench-%d", w)})
				if err != nil {
					if client.StatusOf(err) == 429 || client.StatusOf(err) == 503 {
						continue // busy: retry, as a worker does
					}
					errs <- err
					return
				}
				if !ok {
					return
				}
				d := time.Since(t)
				mu.Lock()
				claimed[c.Job.ID]++
				durs = append(durs, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	select {
	case err := <-errs:
		return 0, nil, err
	default:
	}
	for _, id := range seeded {
		if claimed[id] != 1 {
			return 0, nil, fmt.Errorf("job %s was claimed %d times, not once", id, claimed[id])
		}
	}
	if len(claimed) != len(seeded) {
		return 0, nil, fmt.Errorf("%d jobs claimed, %d seeded", len(claimed), len(seeded))
	}
	return float64(len(durs)) / took.Seconds(), durs, nil
}

// singleWriterTxPerSecond runs n transactions back to back, each reading a
// document and writing it (the shape of a claim), and returns their rate.
func (b *bench) singleWriterTxPerSecond(ctx context.Context, n int) (float64, error) {
	docs := b.fs.Collection("benchFloor")
	start := time.Now()
	for i := range n {
		ref := docs.Doc(fmt.Sprintf("tx%06d", i))
		err := valetfs.RunTransaction(ctx, b.fs, func(ctx context.Context, tx *firestore.Transaction) error {
			if _, err := tx.Get(ref); err != nil && !valetfs.IsNotFound(err) {
				return err
			}
			return tx.Set(ref, map[string]any{"state": "claimed", "at": time.Now()})
		})
		if err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
