package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/client"
	valetfs "valet.dev/valet/shared/firestore"
)

// createJob is figure 1: POST /jobs (a job and its signed upload URL) at
// concurrency 1 and 16, against the same load on a handler doing one
// Firestore transaction (read a document, write it).
func (b *bench) createJob(ctx context.Context, r *report) error {
	floorURL := b.oneTransactionHandler()
	r.table("1. Create job", "concurrency", "create p50", "create p99", "one-transaction handler p50", "p99", "p50 ratio", "p99 ratio")
	req := client.CreateJobRequest{Spec: map[string]any{"image": "alpine"}, Workspace: client.Workspace{SizeBytes: 1024}}
	for _, conc := range []int{1, 16} {
		floor, _, err := latencies(ctx, b.c.requests, conc, func(ctx context.Context, _ int) error {
			return post(ctx, b.http, floorURL)
		})
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		create, _, err := latencies(ctx, b.c.requests, conc, func(ctx context.Context, _ int) error {
			_, err := b.user.CreateJob(ctx, req)
			return err
		})
		if err != nil {
			return err
		}
		r.row(strconv.Itoa(conc), ms(pct(create, 50)), ms(pct(create, 99)), ms(pct(floor, 50)), ms(pct(floor, 99)),
			ratio(float64(pct(create, 50)), float64(pct(floor, 50))), ratio(float64(pct(create, 99)), float64(pct(floor, 99))))
	}
	r.note("%d requests per row; the floor handler runs in this process on the same emulator.", b.c.requests)
	return nil
}

// oneTransactionHandler serves a handler doing exactly one Firestore
// transaction per request (read a new document, write it) and returns its
// URL; it stops with the stack.
func (b *bench) oneTransactionHandler() string {
	docs := b.fs.Collection("benchFloorHandler")
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ref := docs.Doc(fmt.Sprintf("d%09d", n.Add(1)))
		err := valetfs.RunTransaction(r.Context(), b.fs, func(ctx context.Context, tx *firestore.Transaction) error {
			if _, err := tx.Get(ref); err != nil && !valetfs.IsNotFound(err) {
				return err
			}
			return tx.Set(ref, map[string]any{"state": "queued", "at": time.Now()})
		})
		if err != nil {
			http.Error(w, "transaction failed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.onStop(srv.Close)
	return srv.URL
}

// post POSTs to url and wants a 2xx.
func post(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return err
	}
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	_ = res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", url, res.Status)
	}
	return nil
}
