// Package worker is valet's reference worker: a loop that claims a queued
// job (with a fresh X25519 key per claim as sealTo, single use), opens the
// job's sealed auth bundle, reports RUNNING, heartbeats at a third of the
// lease, downloads and unpacks the workspace, runs the job, and uploads the
// output (and, when the job requires one, a stand-in attestation). Errors
// are reported as FAILED with a message; when the worker is stopped (the
// context is cancelled, e.g. by SIGINT) during a job it hands the job back
// (QUEUED) and returns.
//
// The job's tokens reach only the child process's environment
// (VALET_JOB_TOKEN, VALET_RUNTIME_TOKEN, DW_WORKFLOW_TOKEN); the worker never
// prints them nor a signed URL, and masks them in the child's captured log.
package worker

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"valet.dev/valet/shared/client"
)

// Options configure a Worker.
type Options struct {
	Name     string        // the claim's worker name
	Lease    time.Duration // lease asked at claim and heartbeat
	Poll     time.Duration // wait between empty claims
	Exec     bool          // run the spec's command; otherwise the reference run
	Once     bool          // process one job, then return
	JobsURL  string        // passed to the child as VALET_JOBS_URL when known
	Log      io.Writer     // progress lines for operators; never secrets
	Token    func(ctx context.Context) (string, error)
	Dispatch string // base URL of the dispatch function
}

// Worker claims and runs jobs.
type Worker struct {
	opts Options
	mu   sync.Mutex // serialises log lines from the heartbeat goroutine
}

// New builds a Worker; Run-time defaults fill zero options.
func New(opts Options) *Worker {
	if opts.Lease <= 0 {
		opts.Lease = 5 * time.Minute
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.Name == "" {
		host, _ := os.Hostname()
		opts.Name = fmt.Sprintf("valet-worker@%s/%d", host, os.Getpid())
	}
	return &Worker{opts: opts}
}

func (w *Worker) logf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	fmt.Fprintf(w.opts.Log, time.Now().UTC().Format("15:04:05 ")+format+"\n", args...)
}

// client is an API client with a current service token. dispatch is
// private: the token goes to Cloud Run's front door in
// X-Serverless-Authorization (its signature is stripped there) and, whole,
// to dispatch in Authorization, which verifies it again.
func (w *Worker) client(ctx context.Context) (*client.Client, error) {
	tok, err := w.opts.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("get a service token: %w", err)
	}
	return &client.Client{DispatchURL: w.opts.Dispatch, Token: tok, FrontDoorToken: tok}, nil
}

// Loop claims and processes jobs until ctx is cancelled (or, with Once,
// until one job has been processed). It returns the error of the last job
// with Once, nil otherwise; claim errors are logged and retried with
// backoff, except with Once where the first one is returned.
func (w *Worker) Loop(ctx context.Context) error {
	backoff := w.opts.Poll
	for {
		if ctx.Err() != nil {
			return nil
		}
		processed, err := w.Step(ctx)
		switch {
		case err != nil && w.opts.Once:
			return err
		case err != nil:
			w.logf("error: %v%s", err, next(err))
			backoff = min(backoff*2, time.Minute)
		case processed && w.opts.Once:
			return nil
		case processed:
			backoff = w.opts.Poll
			continue
		default:
			backoff = w.opts.Poll
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
}

func next(err error) string {
	if a := client.Advice(err); a != "" {
		return " (next: " + a + ")"
	}
	return ""
}

// Run is the valet-worker command: it parses args and runs the loop.
// Exit codes: 0 ok, 1 error, 2 usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("valet-worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	token := fs.String("token", "", "service credential for dispatch (default $VALET_WORKER_TOKEN, else a dev token from the stack's issuer)")
	stackPath := fs.String("stack", "", "local stack description (default $VALET_STACK or .dev/stack.json)")
	dispatchURL := fs.String("dispatch-url", "", "base URL of the dispatch function (default: from the stack)")
	name := fs.String("name", "", "worker name shown on claims (default valet-worker@host/pid)")
	lease := fs.Duration("lease", 5*time.Minute, "lease to ask for, 30s..1h; heartbeats every third of it")
	poll := fs.Duration("poll", 2*time.Second, "wait between claims when nothing is queued")
	execute := fs.Bool("exec", false, "run the spec's command (a list of args); without it, the reference run lists the workspace")
	once := fs.Bool("once", false, "process one job, then exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "valet-worker: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *lease < 30*time.Second || *lease > time.Hour {
		fmt.Fprintln(stderr, "valet-worker: --lease must be between 30s and 1h")
		return 2
	}
	opts := Options{Name: *name, Lease: *lease, Poll: *poll, Exec: *execute, Once: *once, Log: stderr, Dispatch: *dispatchURL}
	if err := configure(&opts, *token, *stackPath); err != nil {
		fmt.Fprintf(stderr, "valet-worker: %v\n", err)
		return 1
	}
	w := New(opts)
	w.logf("worker %s polling %s", w.opts.Name, w.opts.Dispatch)
	if err := w.Loop(ctx); err != nil {
		fmt.Fprintf(stderr, "valet-worker: %v%s\n", err, next(err))
		return 1
	}
	return 0
}

// configure fills the dispatch URL and the token source from the flags,
// the environment and the stack file.
func configure(o *Options, token, stackPath string) error {
	if token == "" {
		token = os.Getenv("VALET_WORKER_TOKEN")
	}
	var stack client.Stack
	var stackErr error
	if o.Dispatch == "" || token == "" {
		stack, stackErr = client.LoadStack(stackPath)
		if stackErr != nil {
			return fmt.Errorf("%w; or pass --dispatch-url and --token", stackErr)
		}
		o.JobsURL = stack.Functions["jobs"]
	}
	if o.Dispatch == "" {
		u, err := stack.Function("dispatch")
		if err != nil {
			return err
		}
		o.Dispatch = u
	}
	if token != "" {
		o.Token = func(context.Context) (string, error) { return token, nil }
		return nil
	}
	if len(stack.Dispatchers) == 0 || stack.Issuer == "" {
		return errors.New("the stack lists no dispatcher account or issuer: pass --token")
	}
	o.Token = devTokenSource(stack.Issuer, stack.Dispatchers[0], o.Dispatch)
	return nil
}

// devTokenSource mints dispatcher tokens from the dev issuer (sub and email
// the dispatcher account, aud the dispatch URL), reusing one for 30 min.
func devTokenSource(issuer, account, aud string) func(context.Context) (string, error) {
	var mu sync.Mutex
	var tok string
	var minted time.Time
	return func(ctx context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if tok != "" && time.Since(minted) < 30*time.Minute {
			return tok, nil
		}
		t, err := client.MintDevToken(ctx, issuer, client.DevTokenRequest{Sub: account, Email: account, Aud: aud, TTLSeconds: 3600})
		if err != nil {
			return "", err
		}
		tok, minted = t, time.Now()
		return tok, nil
	}
}
