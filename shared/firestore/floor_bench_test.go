package firestore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"valet.dev/valet/shared/firestore/firestoretest"
)

// The floors every other benchmark is read against (docs/benchmarks.md):
// the cost of an HTTP round trip to a handler doing nothing, and to one
// doing exactly one Firestore write on the emulator. A hot path is reported
// as a multiple of these, measured in the same run on the same machine.

// BenchmarkFloorBareHandler is one HTTP round trip to a handler with no I/O.
func BenchmarkFloorBareHandler(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	benchRoundTrips(b, srv.URL)
}

// BenchmarkFloorOneFirestoreWrite is one HTTP round trip to a handler that
// does exactly one Firestore Set of a small document.
func BenchmarkFloorOneFirestoreWrite(b *testing.B) {
	client := firestoretest.New(b)
	docs := client.Collection("benchFloor")
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := fmt.Sprintf("d%09d", n.Add(1))
		_, err := docs.Doc(id).Set(r.Context(), map[string]any{"state": "queued", "at": time.Now()})
		if err != nil {
			http.Error(w, "write failed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(srv.Close)
	benchRoundTrips(b, srv.URL)
}

// benchRoundTrips POSTs to url b.N times and fails on any answer but 204.
func benchRoundTrips(b *testing.B, url string) {
	b.Helper()
	ctx := context.Background()
	do := func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			b.Fatalf("floor handler answered %s", resp.Status)
		}
	}
	do() // warm the connection and the client
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		do()
	}
}
