package firestore

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"cloud.google.com/go/firestore"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
)

// Transaction retry defaults, measured on the emulator, where two racing
// transactions that read one document both wait about 2 s for its lock at
// commit and then abort ("Transaction lock timeout"), so retries must spread
// wider than that round or they collide again: with pauses of at most
// 20-500 ms, 20 writers on one counter sometimes livelocked for 30 s and
// lost commits; with full jitter from 500 ms doubling to 8 s they landed in
// 3-10 s. The client's own loop (5 attempts by default) loses commits.
const (
	DefaultMaxAttempts    = 10
	DefaultInitialBackoff = 500 * time.Millisecond
	DefaultMaxBackoff     = 8 * time.Second
)

// TxOption configures RunTransaction.
type TxOption func(*txConfig)

type txConfig struct {
	maxAttempts                int
	initialBackoff, maxBackoff time.Duration
}

// MaxAttempts sets how many times a contended transaction is tried in all
// (DefaultMaxAttempts when n < 1).
func MaxAttempts(n int) TxOption {
	return func(c *txConfig) {
		if n >= 1 {
			c.maxAttempts = n
		}
	}
}

// Backoff sets the pause bound before the first retry and its cap; the
// bound doubles after each attempt and each pause is drawn uniformly below
// it (full jitter). Non-positive values keep the defaults.
func Backoff(initial, limit time.Duration) TxOption {
	return func(c *txConfig) {
		if initial > 0 {
			c.initialBackoff = initial
		}
		if limit > 0 {
			c.maxBackoff = limit
		}
	}
}

// RunTransaction runs fn in a read-write transaction and commits it. fn may
// run several times: it must only read and write through tx and keep no
// effects outside it.
//
// When an attempt aborts on contention (gRPC Aborted, from fn's reads or
// from the commit) the whole transaction is retried after a jittered,
// growing pause, up to MaxAttempts in all; ctx bounds the whole, so give
// request paths a deadline. Each
// attempt is one attempt of the client's RunTransaction (its own retry loop
// is turned off so the pauses are ours), hence a fresh transaction.
//
// Errors:
//   - fn's error holding an *apperr.Error is returned unchanged, without a
//     retry: a failed precondition is an answer, not contention;
//   - contention after the last attempt: apperr.ResourceExhausted ("busy;
//     retry");
//   - gRPC NotFound (e.g. tx.Update of a missing document):
//     apperr.NotFound; gRPC AlreadyExists (tx.Create of an existing one):
//     apperr.Conflict. Adapters that know what the document is should
//     check existence themselves and say so; this is the fallback;
//   - gRPC Unavailable or DeadlineExceeded, or ctx ending:
//     apperr.Unavailable;
//   - anything else: apperr.Internal. The cause is kept for the log.
func RunTransaction(ctx context.Context, client *firestore.Client, fn func(context.Context, *firestore.Transaction) error, opts ...TxOption) error {
	cfg := txConfig{maxAttempts: DefaultMaxAttempts, initialBackoff: DefaultInitialBackoff, maxBackoff: DefaultMaxBackoff}
	for _, o := range opts {
		o(&cfg)
	}
	pause := cfg.initialBackoff
	var err error
	for attempt := 1; ; attempt++ {
		err = client.RunTransaction(ctx, func(ctx context.Context, tx *firestore.Transaction) error {
			if ferr := fn(ctx, tx); ferr != nil {
				var ae *apperr.Error
				if errors.As(ferr, &ae) {
					// Hidden from the client's own retry test, which
					// would otherwise look through apperr's Unwrap.
					return answer{ferr}
				}
				return ferr
			}
			return nil
		}, firestore.MaxAttempts(1))
		var a answer
		if errors.As(err, &a) {
			return a.err
		}
		if !isAborted(err) || attempt >= cfg.maxAttempts {
			break
		}
		if !sleep(ctx, jitter(pause)) {
			err = ctx.Err()
			break
		}
		pause = min(2*pause, cfg.maxBackoff)
	}
	return transactionError(ctx, err)
}

// answer carries fn's own *apperr.Error through the client's
// RunTransaction. It deliberately has no Unwrap.
type answer struct{ err error }

func (a answer) Error() string { return a.err.Error() }

// transactionError maps the final error of RunTransaction.
func transactionError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.Unavailable, "the database did not answer in time; retry shortly")
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(err, apperr.Unavailable, "the request ended before the database answered; retry")
	}
	switch status.Code(err) {
	case codes.Aborted:
		return apperr.Wrap(err, apperr.ResourceExhausted, "busy; retry")
	case codes.NotFound:
		return apperr.Wrap(err, apperr.NotFound, "not found")
	case codes.AlreadyExists:
		return apperr.Wrap(err, apperr.Conflict, "already exists")
	case codes.Unavailable, codes.DeadlineExceeded:
		return apperr.Wrap(err, apperr.Unavailable, "the database is unavailable; retry")
	}
	return apperr.Wrap(err, apperr.Internal, "database error")
}

// Firestore answers in gRPC status codes. They are read here only: the
// package's adapters (and package migrate, through IsNotFound) ask these
// predicates, and every other code reaches callers as RunTransaction maps it.

// IsNotFound reports whether err is Firestore's answer for a document that
// does not exist (a Get of a missing document, an Update of one).
func IsNotFound(err error) bool { return status.Code(err) == codes.NotFound }

// isAborted reports whether err is Firestore's abort of a transaction that
// lost to another on contention.
func isAborted(err error) bool { return status.Code(err) == codes.Aborted }

// isStaleWrite reports whether a write was refused because the document was
// no longer as the writer read it: its update-time precondition failed, it
// was created or removed meanwhile, or (on the emulator) another
// transaction held its lock.
func isStaleWrite(err error) bool {
	switch status.Code(err) {
	case codes.FailedPrecondition, codes.AlreadyExists, codes.NotFound, codes.Aborted:
		return true
	}
	return false
}

// jitter returns a pause drawn uniformly from (0, d].
func jitter(d time.Duration) time.Duration {
	return 1 + rand.N(d)
}

// sleep waits d or until ctx ends, reporting whether it waited fully.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
