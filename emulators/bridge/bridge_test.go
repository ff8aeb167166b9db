package bridge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"cloud.google.com/go/pubsub/v2/pstest"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"valet.dev/valet/emulators/bridge"
	"valet.dev/valet/shared/testenv"
)

const (
	project      = "valet-test"
	topic        = "storage"
	subscription = "finalize-bridge"
	topicName    = "projects/" + project + "/topics/" + topic
)

// newPubSub starts pstest with the topic and subscription the bridge reads.
func newPubSub(t *testing.T) (*pstest.Server, *pubsub.Client) {
	t.Helper()
	srv := pstest.NewServer()
	t.Cleanup(func() { _ = srv.Close() })
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	client, err := pubsub.NewClient(context.Background(), project, option.WithGRPCConn(conn))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	require.NoError(t, bridge.EnsureTopicAndSubscription(context.Background(), client, project, topic, subscription))
	return srv, client
}

// delivery is one request the receiver got.
type delivery struct {
	header http.Header
	body   map[string]any
}

// receiver records CloudEvents; answer decides the status of the nth request (from 0).
type receiver struct {
	mu       sync.Mutex
	got      []delivery
	answer   func(n int) int
	answered int // requests answered so far
}

func newReceiver(t *testing.T, answer func(n int) int) (*receiver, *httptest.Server) {
	t.Helper()
	if answer == nil {
		answer = func(int) int { return http.StatusNoContent }
	}
	rcv := &receiver{answer: answer}
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	return rcv, srv
}

func (rcv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	rcv.mu.Lock()
	n := len(rcv.got)
	rcv.got = append(rcv.got, delivery{header: r.Header.Clone(), body: body})
	rcv.mu.Unlock()
	w.WriteHeader(rcv.answer(n))
	rcv.mu.Lock()
	rcv.answered++
	rcv.mu.Unlock()
}

// failFirst answers the first n requests with code, then the rest with ok.
func failFirst(n, code, ok int) func(int) int {
	return func(i int) int {
		if i < n {
			return code
		}
		return ok
	}
}

// wait waits until n requests have been answered and returns all
// requests so far.
func (rcv *receiver) wait(t *testing.T, n int) []delivery {
	t.Helper()
	answered := func() int {
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		return rcv.answered
	}
	testenv.WaitUntil(t, func() bool { return answered() >= n },
		func() string { return fmt.Sprintf("%d deliveries answered, want %d", answered(), n) })
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	return append([]delivery(nil), rcv.got...)
}

// count returns how many requests arrived.
func (rcv *receiver) count() int {
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	return len(rcv.got)
}

// run starts the bridge and stops it at the end of the test, checking it
// returns nil.
func run(t *testing.T, opts bridge.Options) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- bridge.Run(ctx, opts) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-errc) // a Run that never returns shows in go test's timeout dump
	})
}

func options(t *testing.T, client *pubsub.Client, target string) bridge.Options {
	return bridge.Options{
		Logger:       slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
		Client:       client,
		Subscription: subscription,
		Target:       target,
		Retry:        bridge.RetryOptions{InitialBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
	}
}

// publishFinalize publishes what fake-gcs-server publishes for a finalized object.
func publishFinalize(srv *pstest.Server, bucket, name, generation string) string {
	data, _ := json.Marshal(map[string]string{
		"kind": "storage#object", "id": bucket + "/" + name + "/" + generation,
		"name": name, "bucket": bucket, "generation": generation, "contentType": "application/gzip", "size": "3",
	})
	return srv.Publish(topicName, data, map[string]string{
		"bucketId": bucket, "objectId": name, "objectGeneration": generation,
		"eventType": "OBJECT_FINALIZE", "eventTime": "2026-11-02T10:00:00Z", "payloadFormat": "JSON_API_V1",
	})
}

// acked waits until pstest recorded an ack of message id.
func acked(t *testing.T, srv *pstest.Server, id string) *pstest.Message {
	t.Helper()
	var msg *pstest.Message
	testenv.WaitUntil(t, func() bool {
		msg = srv.Message(id)
		return msg != nil && msg.Acks > 0
	}, func() string { return fmt.Sprintf("message %s never acked", id) })
	return msg
}

func TestRunForwardsFinalizeEvents(t *testing.T) {
	ps, client := newPubSub(t)
	rcv, target := newReceiver(t, nil)
	run(t, options(t, client, target.URL+"/finalize"))

	deleted := ps.Publish(topicName, []byte(`{"name":"gone","bucket":"jobs"}`), map[string]string{
		"bucketId": "jobs", "objectId": "gone", "objectGeneration": "1", "eventType": "OBJECT_DELETE",
	})
	id := publishFinalize(ps, "jobs", "jobs/j1/workspace.tar.gz", "1700000000000001")

	got := rcv.wait(t, 1)
	acked(t, ps, id)
	acked(t, ps, deleted)
	require.Len(t, got, 1)
	h := got[0].header
	require.Equal(t, "1.0", h.Get("ce-specversion"))
	require.Equal(t, id, h.Get("ce-id"))
	require.Equal(t, "google.cloud.storage.object.v1.finalized", h.Get("ce-type"))
	require.Equal(t, "//storage.googleapis.com/projects/_/buckets/jobs", h.Get("ce-source"))
	require.Equal(t, "objects/jobs/j1/workspace.tar.gz", h.Get("ce-subject"))
	require.Equal(t, "application/json", h.Get("Content-Type"))
	ceTime, err := time.Parse(time.RFC3339, h.Get("ce-time"))
	require.NoError(t, err)
	require.Equal(t, ps.Message(id).PublishTime.Unix(), ceTime.Unix())
	require.Equal(t, "jobs", got[0].body["bucket"])
	require.Equal(t, "jobs/j1/workspace.tar.gz", got[0].body["name"])
	require.Equal(t, "1700000000000001", got[0].body["generation"])
	require.Equal(t, "application/gzip", got[0].body["contentType"])

	// The delete event was acked and never delivered.
	require.Equal(t, 1, rcv.count())
}

func TestRunRetriesUntilSuccess(t *testing.T) {
	ps, client := newPubSub(t)
	rcv, target := newReceiver(t, failFirst(2, http.StatusInternalServerError, http.StatusOK))
	run(t, options(t, client, target.URL))

	id := publishFinalize(ps, "jobs", "a", "7")
	got := rcv.wait(t, 3)
	msg := acked(t, ps, id)
	require.Len(t, got, 3)
	for _, d := range got {
		require.Equal(t, id, d.header.Get("ce-id"))
	}
	require.Equal(t, 1, msg.Deliveries, "retries happen inside the bridge, without redelivery")
}

func TestRunNacksAfterMaxAttempts(t *testing.T) {
	ps, client := newPubSub(t)
	rcv, target := newReceiver(t, failFirst(3, http.StatusServiceUnavailable, http.StatusNoContent))
	opts := options(t, client, target.URL)
	opts.Retry.MaxAttempts = 2
	run(t, opts)

	id := publishFinalize(ps, "jobs", "a", "7")
	rcv.wait(t, 4)
	msg := acked(t, ps, id)
	require.GreaterOrEqual(t, msg.Deliveries, 2, "the nacked message came back from Pub/Sub")
	require.Equal(t, 4, rcv.count())
}

func TestRunDuplicate(t *testing.T) {
	ps, client := newPubSub(t)
	rcv, target := newReceiver(t, nil)
	opts := options(t, client, target.URL)
	opts.Duplicate = true
	run(t, opts)

	deliveredTwice(t, ps, rcv, publishFinalize(ps, "jobs", "a", "1"), publishFinalize(ps, "jobs", "b", "2"), publishFinalize(ps, "jobs", "c", "3"))
}

// deliveredTwice waits for two deliveries of each published message,
// checks each was acked and none other came, and returns the deliveries.
func deliveredTwice(t *testing.T, ps *pstest.Server, rcv *receiver, published ...string) []delivery {
	t.Helper()
	got := rcv.wait(t, 2*len(published))
	counts := map[string]int{}
	for _, d := range got {
		counts[d.header.Get("ce-id")]++
	}
	require.Len(t, counts, len(published))
	for _, id := range published {
		acked(t, ps, id)
		require.Equal(t, 2, counts[id], id)
	}
	return got
}

// TestRunShuffle relies on the permutation of a window depending only on
// the seed and the window size: with Duplicate the two copies of an event
// enter the window side by side, and this seed separates some of them, so
// the test fails if the window is delivered unshuffled.
func TestRunShuffle(t *testing.T) {
	ps, client := newPubSub(t)
	rcv, target := newReceiver(t, nil)

	var published []string
	for _, name := range []string{"a", "b", "c", "d"} {
		published = append(published, publishFinalize(ps, "jobs", name, "1"))
	}
	opts := options(t, client, target.URL)
	opts.Shuffle, opts.Duplicate = true, true
	opts.ShuffleWindow = 2 * len(published)
	opts.ShuffleDelay = 5 * time.Second // the window fills first
	opts.Rand = rand.New(rand.NewPCG(1, 2))
	run(t, opts)

	got := deliveredTwice(t, ps, rcv, published...)
	adjacent := true
	for i := 0; i < len(got); i += 2 {
		adjacent = adjacent && got[i].header.Get("ce-id") == got[i+1].header.Get("ce-id")
	}
	require.False(t, adjacent, "every event's copies arrived side by side: the window was not shuffled")
}

// TestRunShuffleFlushesAfterDelay checks a window that never fills is
// delivered after ShuffleDelay.
func TestRunShuffleFlushesAfterDelay(t *testing.T) {
	ps, client := newPubSub(t)
	rcv, target := newReceiver(t, nil)
	opts := options(t, client, target.URL)
	opts.Shuffle, opts.Duplicate = true, true
	opts.ShuffleDelay = 20 * time.Millisecond
	run(t, opts)

	deliveredTwice(t, ps, rcv, publishFinalize(ps, "jobs", "a", "1"), publishFinalize(ps, "jobs", "b", "1"), publishFinalize(ps, "jobs", "c", "1"))
}

func TestRunRefusesBadOptions(t *testing.T) {
	_, client := newPubSub(t)
	for name, opts := range map[string]bridge.Options{
		"no client":       {Subscription: subscription, Target: "http://127.0.0.1:1"},
		"no subscription": {Client: client, Target: "http://127.0.0.1:1"},
		"no target":       {Client: client, Subscription: subscription},
		"bad target":      {Client: client, Subscription: subscription, Target: "http://bad host/\x00"},
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, bridge.Run(context.Background(), opts))
		})
	}
}

func TestEnsureTopicAndSubscription(t *testing.T) {
	_, client := newPubSub(t) // already created them once
	ctx := context.Background()
	require.NoError(t, bridge.EnsureTopicAndSubscription(ctx, client, project, topic, subscription), "idempotent")
	err := bridge.EnsureTopicAndSubscription(ctx, client, project, "other-topic", subscription)
	require.ErrorContains(t, err, "attached to "+topicName)
}
