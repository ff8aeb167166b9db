// Command valet-bench prints valet's load figures, each beside its floor
// measured in the same run: a bounded loopback load against the local
// stack, started in process on the Firestore emulator that
// FIRESTORE_EMULATOR_HOST names (scripts/bench.sh runs it under
// bin/valet-dev exec). It is not a test: nothing in it passes or fails on
// speed; it reports, and exits non-zero only when the load itself broke
// (a request failed, a job was claimed twice). docs/benchmarks.md reads
// the figures and says which a deployment changes.
//
// The figures (issue 16):
//
//  1. create job p50/p99 at concurrency 1 and 16, against a handler doing
//     one Firestore transaction;
//  2. claims per second with 1, 4 and 16 dispatchers over the same number
//     of queued jobs, each claimed exactly once, against single-writer
//     transactions per second;
//  3. workspace finalize event to QUEUED, p50/p99, through the bridge,
//     against one Firestore write;
//  4. a function process's start to its first 200, against a hello-world
//     functions-framework binary;
//  5. function CPU time and peak RSS while a small and a big workspace are
//     uploaded and downloaded (bytes never pass through a function);
//  6. a job list page with a small and a big number of jobs, in one space
//     and in a project.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/logging"
)

type config struct {
	figures     map[int]bool
	claimJobs   int
	requests    int
	events      int
	listSmall   int
	listBig     int
	smallMiB    int
	bigMiB      int
	coldStarts  int
	signLatency time.Duration
	binDir      string
	logs        string
}

func main() {
	var (
		c       config
		figures string
	)
	flag.StringVar(&figures, "figures", "1,2,3,4,5,6", "which figures to run")
	flag.IntVar(&c.claimJobs, "claim-jobs", 1000, "queued jobs each claim run drains (figure 2)")
	flag.IntVar(&c.requests, "requests", 200, "requests per latency measurement (figures 1 and 6)")
	flag.IntVar(&c.events, "events", 100, "workspaces finalized (figure 3)")
	flag.IntVar(&c.listSmall, "list-small", 1000, "jobs in the small listing (figure 6)")
	flag.IntVar(&c.listBig, "list-big", 20000, "jobs in the big listing (figure 6)")
	flag.IntVar(&c.smallMiB, "small-mib", 1, "the small workspace in MiB (figure 5)")
	flag.IntVar(&c.bigMiB, "big-mib", 256, "the big workspace in MiB (figure 5)")
	flag.IntVar(&c.coldStarts, "cold-starts", 5, "process starts per binary (figure 4)")
	flag.DurationVar(&c.signLatency, "signblob-latency", 0, "latency of the stack's IAM signBlob stand-in")
	flag.StringVar(&c.binDir, "bin", "", "directory for the cold-start binaries (default: a temporary one)")
	flag.StringVar(&c.logs, "logs", ".dev/bench-stack.log", "file receiving the stack's log and audit lines during the run")
	flag.Parse()
	c.figures = map[int]bool{}
	for f := range strings.SplitSeq(figures, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 6 {
			fmt.Fprintf(os.Stderr, "valet-bench: -figures: %q is not a figure (1-6)\n", f)
			os.Exit(2)
		}
		c.figures[n] = true
	}
	out := os.Stdout
	logs, err := routeLogs(c.logs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "valet-bench:", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = run(ctx, c, out)
	_ = logs.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "valet-bench:", err)
		os.Exit(1)
	}
}

// routeLogs sends what the in-process stack writes to the file at path,
// so the report (on the original stdout) is only the figures: the
// functions' request logs go through slog's default logger, and their
// audit lines to os.Stdout (audit.Options.Out unset), read when each
// function is built, after this.
func routeLogs(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("-logs: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("-logs: %w", err)
	}
	slog.SetDefault(logging.New(f, logging.Options{}))
	os.Stdout = f
	return f, nil
}

func run(ctx context.Context, c config, out io.Writer) error {
	fs := os.Getenv("FIRESTORE_EMULATOR_HOST")
	if fs == "" {
		return fmt.Errorf("FIRESTORE_EMULATOR_HOST is not set: run under bin/valet-dev exec (make bench does)")
	}
	b, err := newBench(ctx, c, fs)
	if err != nil {
		return err
	}
	defer b.stop()
	r := &report{out: out}
	r.header(b)
	steps := []struct {
		n  int
		fn func(context.Context, *report) error
	}{
		{2, b.claims}, {1, b.createJob}, {3, b.finalizeToQueued}, {6, b.listing}, {4, b.coldStart}, {5, b.bytesThroughFunctions},
	}
	for _, s := range steps {
		if !c.figures[s.n] {
			continue
		}
		start := time.Now()
		fmt.Fprintf(os.Stderr, "valet-bench: figure %d...\n", s.n)
		if err := s.fn(ctx, r); err != nil {
			return fmt.Errorf("figure %d: %w", s.n, err)
		}
		fmt.Fprintf(os.Stderr, "valet-bench: figure %d took %s\n", s.n, time.Since(start).Round(time.Second))
	}
	r.footer()
	return nil
}

// options are the stack's options for a run on the emulator at fs.
func options(c config, fs string) stack.Options {
	return stack.Options{
		Firestore:       fs,
		InProcessPubSub: true,
		Project:         fmt.Sprintf("bench-%d", time.Now().UnixNano()%1e9),
		SweepEvery:      -1,
		SignBlobLatency: c.signLatency,
		Logger:          slog.Default(), // the -logs file (routeLogs)
	}
}
