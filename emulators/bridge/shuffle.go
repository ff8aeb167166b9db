package bridge

import (
	"context"
	"math/rand/v2"
	"time"

	"cloud.google.com/go/pubsub/v2"
)

// shuffler holds deliveries in a small window and sends them in random
// order, from one goroutine (run).
type shuffler struct {
	b      *bridge
	in     chan *pubsub.Message
	window int
	delay  time.Duration
	rand   *rand.Rand
}

func newShuffler(b *bridge, opts Options) *shuffler {
	s := &shuffler{b: b, in: make(chan *pubsub.Message), window: opts.ShuffleWindow, delay: opts.ShuffleDelay, rand: opts.Rand}
	if s.window <= 0 {
		s.window = DefaultShuffleWindow
	}
	if s.delay <= 0 {
		s.delay = DefaultShuffleDelay
	}
	if s.rand == nil {
		s.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return s
}

// add is the Receive callback: it hands msg to run, or nacks it once the
// bridge is stopping.
func (s *shuffler) add(ctx context.Context, msg *pubsub.Message) {
	if !s.b.forwarded(msg) {
		return
	}
	select {
	case s.in <- msg:
	case <-ctx.Done():
		msg.Nack()
	}
}

// run collects windows of deliveries and sends each window shuffled, until
// ctx is done; messages still held then are nacked.
func (s *shuffler) run(ctx context.Context) {
	var (
		batch []*pubsub.Message // one entry per delivery: a message appears once per copy
		timer <-chan time.Time
	)
	for {
		select {
		case <-ctx.Done():
			for _, msg := range batch {
				msg.Nack() // calls after the first are no-ops
			}
			return
		case msg := <-s.in:
			if len(batch) == 0 {
				timer = time.After(s.delay)
			}
			for range s.b.copies {
				batch = append(batch, msg)
			}
			if len(batch) < s.window {
				continue
			}
		case <-timer:
		}
		s.flush(ctx, batch)
		batch, timer = nil, nil
	}
}

// flush delivers batch in random order, then acks each message whose copies
// all arrived and nacks the others.
func (s *shuffler) flush(ctx context.Context, batch []*pubsub.Message) {
	s.rand.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	delivered := make(map[*pubsub.Message]bool, len(batch))
	for _, msg := range batch {
		ok, seen := delivered[msg]
		delivered[msg] = s.b.deliver(ctx, msg) && (ok || !seen)
	}
	for msg, ok := range delivered {
		settle(msg, ok)
	}
}
