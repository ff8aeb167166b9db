package firestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"
)

// DefaultCallTimeout bounds each call of a store, everything it does
// included: the Go client's own retries and a contended transaction's
// attempts. The client retries some failures until its context ends (a
// request it cannot encode, such as a string that is not UTF-8, is retried
// as an internal error), and a handler's context only ends with the
// function's timeout (60 s for the HTTP functions): without this bound one
// bad call would hold a handler, and a caller, that long. A call that
// reaches it fails with apperr.Unavailable, which handlers answer 503 with
// Retry-After. It is well above what a healthy call takes, contention
// included: a contended transaction makes up to DefaultMaxAttempts attempts
// with pauses of up to DefaultMaxBackoff, and on a loaded machine the
// emulator took more than 20 s to land one (a first bound of 20 s failed
// the authorization matrix's setup).
const DefaultCallTimeout = 45 * time.Second

// StoreOption configures a store made by NewJobStore, NewObjectStore,
// NewProjectStore, NewTokenStore or NewAuditStore.
type StoreOption func(*deadline)

// CallTimeout sets how long one call of the store may take in all
// (DefaultCallTimeout when d <= 0).
func CallTimeout(d time.Duration) StoreOption {
	return func(c *deadline) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// store is what every store of this package is built on: the client and
// the bound of each call. Stores embed it and are made with newStore.
type store struct {
	client *firestore.Client
	deadline
}

func newStore(c *firestore.Client, opts []StoreOption) store {
	return store{client: c, deadline: newDeadline(opts)}
}

// deadline is the call bound a store applies.
type deadline struct{ timeout time.Duration }

func newDeadline(opts []StoreOption) deadline {
	d := deadline{timeout: DefaultCallTimeout}
	for _, o := range opts {
		o(&d)
	}
	return d
}

// bound is Bound with the store's timeout: every exported method of a
// store starts with it.
func (d deadline) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return Bound(ctx, d.timeout)
}

// Bound returns ctx ending at most d from now (DefaultCallTimeout when
// d <= 0), for Firestore calls made outside this package's stores.
func Bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = DefaultCallTimeout
	}
	return context.WithTimeout(ctx, d)
}
