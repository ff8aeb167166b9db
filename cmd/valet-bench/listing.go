package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/client"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/schema"
)

// listing is figure 6: GET /jobs (the first page, newest first) with
// list-small and then list-big jobs in the user's own space and in a
// project of theirs. The 20,000 page should cost what the 1,000 page
// costs: a page reads its page, whatever the total. Each page is timed
// beside its floor at the same size: the one Firestore query it sends
// (JobStore.ListQuery), bare. The emulator scans where Firestore reads an
// index, so the floor itself grows with the jobs on it; what valet adds
// is the page over its floor.
func (b *bench) listing(ctx context.Context, r *report) error {
	probe, err := b.user.CreateJob(ctx, client.CreateJobRequest{Spec: map[string]any{"image": "alpine"}, Workspace: client.Workspace{SizeBytes: 1}})
	if err != nil {
		return err
	}
	owner := probe.Job.Owner
	proj, err := b.user.CreateProject(ctx, "", "bench listing")
	if err != nil {
		return err
	}
	small, big := b.c.listSmall, b.c.listBig
	r.table("6. Job list page", "where",
		fmt.Sprintf("%d jobs p50", small), "p99", "× floor (p50)",
		fmt.Sprintf("%d jobs p50", big), "p99", "× floor (p50)",
		"big/small (p50)", "goal ≤ 1.2×", "× floor, big/small")
	var notes []string
	for _, where := range []struct {
		name, project string
		query         job.Query // what GET /jobs asks the store
	}{
		{"one space (the user's own)", "", job.Query{Owner: ids.UserID(owner), Projects: []ids.ProjectID{proj.ID}}},
		{"a project", string(proj.ID), job.Query{Project: proj.ID}},
	} {
		bare, _, err := b.jobs.ListQuery(where.query)
		if err != nil {
			return err
		}
		api, store, floor, err := b.listRounds(ctx, []int{small, big - small}, owner, where.project, []func(context.Context) (int, error){
			func(ctx context.Context) (int, error) {
				page, err := b.user.ListJobs(ctx, client.ListJobsOptions{Project: where.project})
				return len(page.Jobs), err
			},
			func(ctx context.Context) (int, error) {
				page, _, err := b.jobs.List(ctx, where.query)
				return len(page), err
			},
			func(ctx context.Context) (int, error) {
				snaps, err := bare.Documents(ctx).GetAll()
				return len(snaps), err
			},
		})
		if err != nil {
			return err
		}
		p50 := func(d [2][]time.Duration, i int) float64 { return float64(pct(d[i], 50)) }
		for _, row := range []struct {
			name string
			d    [2][]time.Duration
		}{
			{"GET /jobs, " + where.name, api},
			{"its store call (JobStore.List), " + where.name, store},
			{"floor: its Firestore query alone, " + where.name, floor},
		} {
			over := [2]float64{p50(row.d, 0) / p50(floor, 0), p50(row.d, 1) / p50(floor, 1)}
			rt := p50(row.d, 1) / p50(row.d, 0)
			r.row(row.name,
				ms(pct(row.d[0], 50)), ms(pct(row.d[0], 99)), fmt.Sprintf("%.2f×", over[0]),
				ms(pct(row.d[1], 50)), ms(pct(row.d[1], 99)), fmt.Sprintf("%.2f×", over[1]),
				fmt.Sprintf("%.2f×", rt), verdict(rt <= 1.2), fmt.Sprintf("%.2f×", over[1]/over[0]))
		}
		added := func(i int) time.Duration { return time.Duration(p50(api, i) - p50(floor, i)) }
		beyond := (p50(api, 1) / p50(floor, 1)) / (p50(api, 0) / p50(floor, 0))
		notes = append(notes, fmt.Sprintf("%s: GET /jobs adds %s to its query at %d jobs and %s at %d (p50 minus p50); over its floor it grows %.2f× (%s)",
			where.name, ms(added(0)), small, ms(added(1)), big, beyond, verdict(beyond <= 1.2)))
	}
	r.note("%d requests of the default page per cell, one at a time. The floor is the Firestore query the page sends (JobStore.ListQuery: its filters, order, cursor and limit), sent bare at the same size: no HTTP, authentication, membership read or decoding. "+
		"On the emulator the floor grows with the jobs it holds (it scans; Firestore serves the query from the composite index declared in terraform/firestore.tf, at a cost that follows the page, not the collection), so the raw big/small ratio is mostly the emulator's; "+
		"\"× floor, big/small\" is how valet's page grows against its floor as the jobs grow (goal ≤ 1.2×). %s.",
		b.c.requests, strings.Join(notes, "; "))
	return nil
}

// listWarmup is how many untimed rounds precede the timed ones.
const listWarmup = 5

// listRounds seeds each of adds more jobs in turn and, after each, times
// the three lists (the page, the store call, the bare query) over
// b.c.requests rounds after listWarmup untimed ones, one request at a
// time: each round times all three, so a slow moment of the machine hits them alike. An empty page
// is an error.
func (b *bench) listRounds(ctx context.Context, adds []int, owner, project string, lists []func(context.Context) (int, error)) (api, store, floor [2][]time.Duration, err error) {
	for i, n := range adds {
		if err := b.seedFinished(ctx, n, owner, project); err != nil {
			return api, store, floor, err
		}
		out := [3]*[2][]time.Duration{&api, &store, &floor}
		for _, d := range out {
			d[i] = make([]time.Duration, b.c.requests)
		}
		for range listWarmup { // the emulator's first answers after a bulk write are slower
			for _, list := range lists {
				if _, err := list(ctx); err != nil {
					return api, store, floor, err
				}
			}
		}
		if _, _, err := latencies(ctx, b.c.requests, 1, func(ctx context.Context, round int) error {
			for k, list := range lists {
				t := time.Now()
				n, err := list(ctx)
				if err == nil && n == 0 {
					err = fmt.Errorf("an empty page")
				}
				if err != nil {
					return err
				}
				out[k][i][round] = time.Since(t)
			}
			return nil
		}); err != nil {
			return api, store, floor, err
		}
	}
	return api, store, floor, nil
}

// seedFinished writes n SUCCEEDED jobs of owner (in project when set)
// straight into Firestore with a BulkWriter: listing reads job documents
// only, and finished jobs stay out of the claim queue.
func (b *bench) seedFinished(ctx context.Context, n int, owner, project string) error {
	w := b.fs.BulkWriter(ctx)
	jobs := b.fs.Collection(valetfs.JobsCollection)
	base := time.Now().UTC().Add(-48 * time.Hour)
	var results []*firestore.BulkWriterJob
	for i := range n {
		at := base.Add(time.Duration(i) * time.Millisecond)
		j := &job.Job{
			ID: ids.NewJobID(), Owner: ids.UserID(owner), Project: ids.ProjectID(project), RuntimeUser: owner, RuntimeScopes: []string{"all"},
			Spec: map[string]any{"image": "alpine"}, SpecHash: "h",
			State: job.Succeeded, Attempt: 1, MaxAttempts: job.DefaultMaxAttempts, TimeoutSeconds: 3600,
			Workspace: job.Artifact{SizeBytes: 10, Present: true, Generation: 1},
			CreatedAt: at, UpdatedAt: at, UploadDeadline: at.Add(job.UploadWindow), Deadline: at.Add(time.Hour), EventSeq: 1,
			SchemaVersion: schema.Jobs,
		}
		bj, err := w.Create(jobs.Doc(j.ID.String()), j)
		if err != nil {
			return err
		}
		results = append(results, bj)
	}
	w.End()
	for _, bj := range results {
		if _, err := bj.Results(); err != nil {
			return fmt.Errorf("seeding jobs: %w", err)
		}
	}
	return nil
}
