package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"time"

	"valet.dev/valet/shared/client"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/job"
)

// finalizeToQueued is figure 3: from the moment the gate has answered a
// workspace's PUT (the object is written and its notification published)
// to the moment the job's document reads QUEUED, as a Firestore listener
// sees it: fake-gcs-server's notification, Pub/Sub, the bridge, the front
// door and finalize's transaction. One workspace at a time. The floor is
// one Firestore write's latency, measured the same way.
func (b *bench) finalizeToQueued(ctx context.Context, r *report) error {
	workspace := []byte("a small workspace")
	sum := md5.Sum(workspace)
	req := client.CreateJobRequest{Spec: map[string]any{"image": "alpine"},
		Workspace: client.Workspace{SizeBytes: int64(len(workspace)), MD5: base64.StdEncoding.EncodeToString(sum[:])}}
	var durs []time.Duration
	for range b.c.events {
		created, err := b.user.CreateJob(ctx, req)
		if err != nil {
			return err
		}
		// Cancelled once measured: the later figures claim from an empty queue.
		defer func() { _, _ = b.user.CancelJob(context.WithoutCancel(ctx), created.Job.ID) }()
		queued := b.watchState(ctx, created.Job.ID, job.Queued)
		if err := client.Upload(ctx, *created.Upload, bytes.NewReader(workspace), int64(len(workspace)), nil); err != nil {
			return err
		}
		put := time.Now()
		at, err := queued()
		if err != nil {
			return err
		}
		durs = append(durs, at.Sub(put))
	}
	floor, err := b.writeLatencies(ctx, b.c.events)
	if err != nil {
		return err
	}
	r.table("3. Workspace finalize event to QUEUED, through the bridge", "measure", "p50", "p99", "× one write (p50)")
	r.row(fmt.Sprintf("PUT answered → job QUEUED (%d workspaces)", len(durs)), ms(pct(durs, 50)), ms(pct(durs, 99)), ratio(float64(pct(durs, 50)), float64(pct(floor, 50))))
	r.row("floor: one Firestore write", ms(pct(floor, 50)), ms(pct(floor, 99)), "1.00×")
	r.note("Locally the notification goes through the in-process Pub/Sub fake and the bridge's pull; deployed it is Cloud Storage's notification through Eventarc's push, whose delivery time Google does not bound.")
	return nil
}

// watchState listens to the job's document and returns a function that
// waits until it reads want and answers when the listener saw it.
func (b *bench) watchState(ctx context.Context, id string, want job.State) func() (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	it := b.fs.Collection(valetfs.JobsCollection).Doc(id).Snapshots(ctx)
	type seen struct {
		at  time.Time
		err error
	}
	done := make(chan seen, 1)
	go func() {
		defer it.Stop()
		for {
			snap, err := it.Next()
			if err != nil {
				done <- seen{err: fmt.Errorf("waiting for job %s to be %s: %w", id, want, err)}
				return
			}
			if snap.Exists() {
				if state, _ := snap.DataAt("state"); state == string(want) {
					done <- seen{at: time.Now()}
					return
				}
			}
		}
	}()
	return func() (time.Time, error) {
		defer cancel()
		s := <-done
		return s.at, s.err
	}
}

// writeLatencies is n sequential single-document Firestore writes.
func (b *bench) writeLatencies(ctx context.Context, n int) ([]time.Duration, error) {
	docs := b.fs.Collection("benchFloorWrites")
	durs := make([]time.Duration, n)
	for i := range n {
		t := time.Now()
		if _, err := docs.Doc(fmt.Sprintf("w%06d", i)).Set(ctx, map[string]any{"state": "queued", "at": t}); err != nil {
			return nil, err
		}
		durs[i] = time.Since(t)
	}
	return durs, nil
}
