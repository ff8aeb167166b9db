package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/client"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// bench is one run: the stack, a Firestore client of its project, a user
// and a dispatcher.
type bench struct {
	c     config
	stack *stack.Stack
	fs    *firestore.Client
	jobs  *valetfs.JobStore
	user  *client.Client
	disp  *client.Client
	http  *http.Client
	stops []func()
}

// onStop runs f when the run ends.
func (b *bench) onStop(f func()) { b.stops = append(b.stops, f) }

func newBench(ctx context.Context, c config, emulator string) (*bench, error) {
	s, err := stack.Start(ctx, options(c, emulator))
	if err != nil {
		return nil, fmt.Errorf("starting the stack: %w", err)
	}
	b := &bench{c: c, stack: s, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	if b.fs, err = valetfs.NewClient(ctx, s.Info.Project); err != nil {
		s.Stop()
		return nil, err
	}
	b.jobs = valetfs.NewJobStore(b.fs)
	userToken, err := s.Issuer.Mint(oidc.TokenRequest{Sub: "bench-user", Email: "bench@example.com"})
	if err != nil {
		b.stop()
		return nil, err
	}
	b.user = &client.Client{JobsURL: s.Info.Functions["jobs"], ObjectsURL: s.Info.Functions["objects"], Token: userToken, HTTP: b.http}
	dispatcher := s.Info.Dispatchers[0]
	dispToken, err := s.Issuer.Mint(oidc.TokenRequest{Sub: dispatcher, Email: dispatcher, Aud: s.Info.Functions["dispatch"]})
	if err != nil {
		b.stop()
		return nil, err
	}
	b.disp = &client.Client{DispatchURL: s.Info.Functions["dispatch"], Token: dispToken, FrontDoorToken: dispToken, HTTP: b.http}
	return b, nil
}

func (b *bench) stop() {
	for i := len(b.stops) - 1; i >= 0; i-- {
		b.stops[i]()
	}
	if b.fs != nil {
		_ = b.fs.Close()
	}
	b.stack.Stop()
}

// seedQueued stores n queued jobs of owner (in project when set), as
// finalize leaves them, with 16 writers; it returns their ids.
func (b *bench) seedQueued(ctx context.Context, n int, owner, project string, state job.State) ([]string, error) {
	out := make([]string, n)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	base := time.Now().UTC().Add(-time.Hour)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				at := base.Add(time.Duration(i) * time.Millisecond)
				j := &job.Job{
					ID: ids.NewJobID(), Owner: ids.UserID(owner), Project: ids.ProjectID(project), RuntimeUser: owner, RuntimeScopes: []string{"all"},
					Spec: map[string]any{"image": "alpine"}, SpecHash: "h",
					State: state, Attempt: 1, MaxAttempts: job.DefaultMaxAttempts, TimeoutSeconds: 3600,
					Workspace: job.Artifact{SizeBytes: 10, Present: true, Generation: 1},
					CreatedAt: at, UpdatedAt: at, UploadDeadline: at.Add(job.UploadWindow),
					Deadline: at.Add(24 * time.Hour), EventSeq: 1,
				}
				if err := b.jobs.Create(ctx, j, job.Event{Seq: 1, Time: at, Type: job.EventQueued, Message: "queued"}); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				out[i] = j.ID.String()
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return nil, fmt.Errorf("seeding jobs: %w", err)
	default:
	}
	return out, ctx.Err()
}

// latencies runs fn n times with conc workers and returns each call's
// duration; the first error stops the run.
func latencies(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) ([]time.Duration, time.Duration, error) {
	durs := make([]time.Duration, n)
	next := make(chan int)
	errs := make(chan error, conc)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for i := range next {
				t := time.Now()
				if err := fn(ctx, i); err != nil {
					errs <- err
					cancel()
					return
				}
				durs[i] = time.Since(t)
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	took := time.Since(start)
	select {
	case err := <-errs:
		return nil, 0, err
	default:
	}
	return durs, took, nil
}
