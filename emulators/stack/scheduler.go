package stack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"valet.dev/valet/functions/sweep"
)

// bearer is a transport that sends every request with a fresh ID token of
// the named function's invoker in header, as Google's services call a
// private function: Cloud Scheduler and Eventarc put theirs in
// Authorization.
func (s *Stack) bearer(function, header string) http.RoundTripper {
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		tok, err := s.InvokerToken(function)
		if err != nil {
			return nil, fmt.Errorf("mint the %s invoker's token: %w", function, err)
		}
		r = r.Clone(r.Context())
		r.Header.Set(header, "Bearer "+tok)
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Sweep runs the sweep once now, as the scheduler does: POST to its URL
// through the front door with the scheduler's ID token in Authorization
// (Cloud Scheduler's oidc_token cannot go anywhere else), and returns what
// the run did.
func (s *Stack) Sweep(ctx context.Context) (sweep.Result, error) {
	var res sweep.Result
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Info.Functions[sweep.Name]+"/", nil)
	if err != nil {
		return res, err
	}
	resp, err := (&http.Client{Transport: s.bearer(sweep.Name, "Authorization")}).Do(req)
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("sweep answered %d: %s", resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return res, fmt.Errorf("sweep answered an unreadable result: %w", err)
	}
	return res, nil
}

// startScheduler runs the sweep every Options.SweepEvery until Stop, so
// timeouts and expiry happen locally as deployed, without a hand-made
// call. Runs never overlap; a failed run is logged and the next one
// retries, as Cloud Scheduler's job does with retry_count 0.
func (s *Stack) startScheduler() {
	every := s.opts.SweepEvery
	if every == 0 {
		every = DefaultSweepEvery
	}
	if every < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			res, err := s.Sweep(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				s.opts.Logger.Error("scheduled sweep failed", "error", err)
			default:
				s.opts.Logger.Info("scheduled sweep", "examined", res.Examined, "expired", res.Expired, "requeued", res.Requeued,
					"failed", res.Failed, "scrubbed", res.Scrubbed, "expiredObjects", res.ExpiredObjects, "errors", res.Errors)
			}
		}
	}()
	s.onStop(func() { cancel(); <-done })
}
