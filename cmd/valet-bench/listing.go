package main

import (
	"context"
	"fmt"
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
// costs: a page reads its page, whatever the total.
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
	r.table("6. Job list page", "where", fmt.Sprintf("%d jobs p50", b.c.listSmall), "p99", fmt.Sprintf("%d jobs p50", b.c.listBig), "p99", "big/small (p50)", "goal ≤ 1.2×")
	for _, where := range []struct {
		name, project string
		query         job.Query // what GET /jobs asks the store
	}{
		{"one space (the user's own)", "", job.Query{Owner: owner, Projects: []string{string(proj.ID)}}},
		{"a project", string(proj.ID), job.Query{Project: string(proj.ID)}},
	} {
		var api, store [2][]time.Duration
		for i, n := range []int{b.c.listSmall, b.c.listBig - b.c.listSmall} {
			if err := b.seedFinished(ctx, n, owner, where.project); err != nil {
				return err
			}
			if api[i], err = b.listLatencies(ctx, func(ctx context.Context) (int, error) {
				page, err := b.user.ListJobs(ctx, client.ListJobsOptions{Project: where.project})
				return len(page.Jobs), err
			}); err != nil {
				return err
			}
			if store[i], err = b.listLatencies(ctx, func(ctx context.Context) (int, error) {
				page, _, err := b.jobs.List(ctx, where.query)
				return len(page), err
			}); err != nil {
				return err
			}
		}
		for _, row := range []struct {
			name string
			d    [2][]time.Duration
		}{{"GET /jobs, " + where.name, api}, {"its store query alone (JobStore.List), " + where.name, store}} {
			rt := float64(pct(row.d[1], 50)) / float64(pct(row.d[0], 50))
			r.row(row.name, ms(pct(row.d[0], 50)), ms(pct(row.d[0], 99)), ms(pct(row.d[1], 50)), ms(pct(row.d[1], 99)), fmt.Sprintf("%.2f×", rt), verdict(rt <= 1.2))
		}
	}
	r.note("%d requests of the default page per cell, one at a time. The second row of each pair is the same query sent to the store directly, without HTTP, authentication or the membership read: where it grows with the total as the page does, the growth is the emulator's (it serves a query without the indexes Firestore keeps, whose cost depends on the page, not the collection).", b.c.requests)
	return nil
}

// listLatencies times list one request at a time; an empty page is an
// error.
func (b *bench) listLatencies(ctx context.Context, list func(context.Context) (int, error)) ([]time.Duration, error) {
	durs, _, err := latencies(ctx, b.c.requests, 1, func(ctx context.Context, _ int) error {
		n, err := list(ctx)
		if err == nil && n == 0 {
			err = fmt.Errorf("an empty page")
		}
		return err
	})
	return durs, err
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
			ID: string(ids.NewJobID()), Owner: owner, Project: project, RuntimeUser: owner, RuntimeScopes: []string{"all"},
			Spec: map[string]any{"image": "alpine"}, SpecHash: "h",
			State: job.Succeeded, Attempt: 1, MaxAttempts: job.DefaultMaxAttempts, TimeoutSeconds: 3600,
			Workspace: job.Artifact{SizeBytes: 10, Present: true, Generation: 1},
			CreatedAt: at, UpdatedAt: at, UploadDeadline: at.Add(job.UploadWindow), Deadline: at.Add(time.Hour), EventSeq: 1,
			SchemaVersion: schema.Jobs,
		}
		bj, err := w.Create(jobs.Doc(j.ID), j)
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
