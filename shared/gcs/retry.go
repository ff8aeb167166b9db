package gcs

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/googleapis/gax-go/v2"
	"google.golang.org/api/googleapi"
)

// retryPolicy is cloud.google.com/go/storage's default: idempotent calls
// are retried on transient failures with exponential backoff until the
// context ends; other calls are tried once. Cloud Storage asks for it
// ("Retry strategy": https://cloud.google.com/storage/docs/retry-strategy).
type retryPolicy struct {
	backoff func() gax.Backoff
}

var defaultRetry = retryPolicy{backoff: func() gax.Backoff {
	return gax.Backoff{Initial: time.Second, Max: 30 * time.Second, Multiplier: 2}
}}

// run calls call until it succeeds, fails for good, or (when idempotent)
// the context ends; it returns the last error.
func (p retryPolicy) run(ctx context.Context, idempotent bool, call func(context.Context) error) error {
	bo := p.backoff()
	for {
		err := call(ctx)
		if err == nil || !idempotent || !transient(err) {
			return err
		}
		t := time.NewTimer(bo.Pause())
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// transient says whether err is worth retrying: 408, 429 and 5xx answers
// (https://cloud.google.com/storage/docs/retry-strategy) and the
// socket-level failures cloud.google.com/go/storage's ShouldRetry retries.
func transient(err error) bool {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		return gerr.Code == 408 || gerr.Code == 429 || (gerr.Code >= 500 && gerr.Code < 600)
	}
	var opErr *net.OpError
	var urlErr *url.Error
	if errors.As(err, &opErr) || errors.As(err, &urlErr) {
		for _, s := range []string{"connection refused", "connection reset", "broken pipe", "client connection lost", "server closed idle connection"} {
			if strings.Contains(err.Error(), s) {
				return true
			}
		}
		return errors.Is(err, io.EOF)
	}
	return false
}
