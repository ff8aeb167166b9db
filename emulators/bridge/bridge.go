// Package bridge implements the local finalize-event bridge. In the cloud,
// Eventarc turns a bucket's OBJECT_FINALIZE notifications into CloudEvents
// POSTed to the finalize function; locally fake-gcs-server publishes the
// notifications to Pub/Sub (the emulator or pstest), and the bridge pulls
// them and POSTs each as the same binary-mode CloudEvent.
//
// Like Eventarc it delivers at least once and retries failures; test modes
// make it worse on purpose (every event twice, events reordered) so the
// finalize handler's idempotence is exercised locally.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"cloud.google.com/go/pubsub/v2"
)

// Defaults for Options.
const (
	DefaultMaxAttempts    = 5
	DefaultInitialBackoff = 100 * time.Millisecond
	DefaultMaxBackoff     = 5 * time.Second
	DefaultShuffleWindow  = 8
	DefaultShuffleDelay   = 200 * time.Millisecond
)

// RetryOptions shape the retries of one delivery. A non-2xx answer or a
// transport error is retried with exponential backoff; after MaxAttempts the
// message is nacked so Pub/Sub redelivers it later.
type RetryOptions struct {
	MaxAttempts    int           // DefaultMaxAttempts if zero
	InitialBackoff time.Duration // DefaultInitialBackoff if zero; doubles after each attempt
	MaxBackoff     time.Duration // DefaultMaxBackoff if zero
}

// Options configure Run.
type Options struct {
	Client       *pubsub.Client // required
	Subscription string         // required: the subscription id (or full name), already created
	Target       string         // required: the URL CloudEvents are POSTed to (the finalize function)
	HTTPClient   *http.Client   // http.DefaultClient if nil
	Retry        RetryOptions

	// Duplicate delivers every event twice (test mode).
	Duplicate bool
	// Shuffle holds events briefly, up to ShuffleWindow deliveries or
	// ShuffleDelay after the first, and delivers them in random order (test mode).
	Shuffle       bool
	ShuffleWindow int           // DefaultShuffleWindow if zero
	ShuffleDelay  time.Duration // DefaultShuffleDelay if zero
	// Rand orders shuffled events; a randomly seeded source if nil. Run uses
	// it from one goroutine only.
	Rand *rand.Rand

	Logger *slog.Logger // slog.Default() if nil
}

// Run forwards finalize events from the subscription to the target until ctx
// is done, then returns nil; it returns an error for bad options or when
// Pub/Sub fails for good.
func Run(ctx context.Context, opts Options) error {
	b, err := newBridge(opts)
	if err != nil {
		return err
	}
	sub := opts.Client.Subscriber(opts.Subscription)
	if !opts.Shuffle {
		return b.receive(ctx, sub, b.handle)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := newShuffler(b, opts)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.run(ctx)
	}()
	err = b.receive(ctx, sub, s.add)
	cancel()
	<-done
	return err
}

func (b *bridge) receive(ctx context.Context, sub *pubsub.Subscriber, f func(context.Context, *pubsub.Message)) error {
	b.log.Info("bridge forwarding finalize events", "subscription", sub.String(), "target", b.target)
	if err := sub.Receive(ctx, f); err != nil && ctx.Err() == nil {
		return fmt.Errorf("bridge: receive from %s: %w", sub.String(), err)
	}
	return nil
}

// bridge delivers messages; it holds no per-message state.
type bridge struct {
	target string
	client *http.Client
	retry  RetryOptions
	copies int
	log    *slog.Logger
}

func newBridge(opts Options) (*bridge, error) {
	switch {
	case opts.Client == nil:
		return nil, errors.New("bridge: Options.Client is required")
	case opts.Subscription == "":
		return nil, errors.New("bridge: Options.Subscription is required")
	case opts.Target == "":
		return nil, errors.New("bridge: Options.Target is required")
	}
	if _, err := http.NewRequest(http.MethodPost, opts.Target, nil); err != nil {
		return nil, fmt.Errorf("bridge: bad Options.Target: %w", err)
	}
	b := &bridge{target: opts.Target, client: opts.HTTPClient, retry: opts.Retry, copies: 1, log: opts.Logger}
	if b.client == nil {
		b.client = http.DefaultClient
	}
	if b.retry.MaxAttempts <= 0 {
		b.retry.MaxAttempts = DefaultMaxAttempts
	}
	if b.retry.InitialBackoff <= 0 {
		b.retry.InitialBackoff = DefaultInitialBackoff
	}
	if b.retry.MaxBackoff <= 0 {
		b.retry.MaxBackoff = DefaultMaxBackoff
	}
	if opts.Duplicate {
		b.copies = 2
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	return b, nil
}

// handle delivers every copy of msg in order, then acks it, or nacks it if
// any copy failed.
func (b *bridge) handle(ctx context.Context, msg *pubsub.Message) {
	if !b.forwarded(msg) {
		return
	}
	ok := true
	for range b.copies {
		ok = b.deliver(ctx, msg) && ok
	}
	settle(msg, ok)
}

// forwarded acks and drops msg unless it is a deliverable finalize event.
func (b *bridge) forwarded(msg *pubsub.Message) bool {
	_, forward, err := NewCloudEventRequest(context.Background(), b.target, msg)
	if err != nil {
		b.log.Error("bridge dropped an undeliverable message", "id", msg.ID, "error", err)
		msg.Ack()
		return false
	}
	if !forward {
		b.log.Debug("bridge dropped a non-finalize event", "id", msg.ID, "eventType", msg.Attributes[AttrEventType])
		msg.Ack()
		return false
	}
	return true
}

// deliver POSTs msg's CloudEvent, retrying with backoff; it reports success.
func (b *bridge) deliver(ctx context.Context, msg *pubsub.Message) bool {
	backoff := b.retry.InitialBackoff
	for attempt := 1; ; attempt++ {
		status, err := b.post(ctx, msg)
		if err == nil && status/100 == 2 {
			b.log.Debug("bridge delivered", "id", msg.ID, "bucket", msg.Attributes[AttrBucket], "object", msg.Attributes[AttrObject], "status", status, "attempt", attempt)
			return true
		}
		b.log.Warn("bridge delivery failed", "id", msg.ID, "object", msg.Attributes[AttrObject], "status", status, "error", err, "attempt", attempt)
		if attempt >= b.retry.MaxAttempts {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, b.retry.MaxBackoff)
	}
}

// post makes one delivery attempt and returns the answer's status.
func (b *bridge) post(ctx context.Context, msg *pubsub.Message) (int, error) {
	req, _, err := NewCloudEventRequest(ctx, b.target, msg)
	if err != nil {
		return 0, err
	}
	res, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	return res.StatusCode, nil
}

func settle(msg *pubsub.Message, delivered bool) {
	if delivered {
		msg.Ack()
	} else {
		msg.Nack()
	}
}
