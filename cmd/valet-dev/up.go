package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"valet.dev/valet/emulators/stack"
)

func up(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	var (
		opts    stack.Options
		origins string
		dir     = fs.String("dir", ".dev", "directory for stack.json, the lock and the logs; one running stack per directory")
		verbose = fs.Bool("v", false, "also print the request log (every log line) on the terminal, not only warnings")
	)
	fs.IntVar(&opts.Ports.Functions, "port", 0, "port of the functions server (0: a free one)")
	fs.IntVar(&opts.Ports.Console, "console-port", 0, "port of the console (its own origin)")
	fs.IntVar(&opts.Ports.Storage, "storage-port", 0, "port of the signed-URL gate")
	fs.IntVar(&opts.Ports.Issuer, "issuer-port", 0, "port of the dev OIDC issuer")
	fs.IntVar(&opts.Ports.SecretManager, "secretmanager-port", 0, "port of the Secret Manager emulator")
	fs.IntVar(&opts.Ports.Firestore, "firestore-port", 0, "port of the Firestore emulator")
	fs.IntVar(&opts.Ports.PubSub, "pubsub-port", 0, "port of the Pub/Sub emulator")
	fs.StringVar(&opts.Project, "project", stack.DefaultProject, "project id of the local stack")
	fs.StringVar(&origins, "origins", "http://localhost:3000,http://127.0.0.1:3000", "comma-separated frontend origins allowed by CORS on the gate and the API, after the console's own")
	fs.BoolVar(&opts.DuplicateEvents, "duplicate-events", false, "deliver every storage event twice (tests idempotency)")
	fs.BoolVar(&opts.ShuffleEvents, "shuffle-events", false, "deliver storage events in shuffled order")
	fs.DurationVar(&opts.SignBlobLatency, "signblob-latency", 0, "added to every IAM signBlob answer, standing for the round trip a deployed function pays per signed URL")
	fs.DurationVar(&opts.SweepEvery, "sweep-every", stack.DefaultSweepEvery, "how often the scheduler runs the sweep, as Cloud Scheduler does (0: never)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts.AllowedOrigins = strings.Split(origins, ",")
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = -1 // the stack's "never"
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	// Object bytes live on disk, not in the dev server's memory.
	opts.StorageDir = filepath.Join(*dir, "storage")
	lock, err := lockDir(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	logFile, err := os.Create(filepath.Join(*dir, "emulators.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	opts.EmulatorLog = logFile
	logger, requestLog, err := newDevLogger(*dir, os.Stderr, *verbose)
	if err != nil {
		return err
	}
	defer requestLog.Close()
	opts.Logger = logger
	slog.SetDefault(opts.Logger)

	start := time.Now()
	fmt.Fprintf(os.Stderr, "valet-dev: starting the local stack (emulator output in %s, request log in %s)\n", logFile.Name(), requestLog.Name())
	s, err := stack.Start(ctx, opts)
	if err != nil {
		return err
	}
	defer s.Stop()
	infoPath := filepath.Join(*dir, "stack.json")
	if err := stack.WriteInfo(infoPath, s.Info); err != nil {
		return err
	}
	defer os.Remove(infoPath)
	printBanner(s.Info, infoPath, requestLog.Name(), *verbose, time.Since(start))
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "\nvalet-dev: stopping")
	return nil
}

func printBanner(info stack.Info, infoPath, requestLog string, verbose bool, took time.Duration) {
	w := os.Stdout
	fmt.Fprintf(w, "valet local stack ready in %.1fs (%s)\n\n", took.Seconds(), infoPath)
	fmt.Fprintf(w, "  Open the console: %s/  (sign in as alice, bob or carol)\n\n", info.Functions["console"])
	for _, name := range stack.FunctionNames {
		fmt.Fprintf(w, "  %-14s %s\n", name, info.Functions[name])
	}
	fmt.Fprintf(w, "  %-14s %s\n", "issuer", info.Issuer)
	fmt.Fprintf(w, "  %-14s %s (signed-URL gate)\n", "storage", info.Storage)
	fmt.Fprintf(w, "  %-14s %s\n", "firestore", info.Firestore)
	fmt.Fprintf(w, "  %-14s %s\n", "pubsub", info.PubSub)
	fmt.Fprintf(w, "  %-14s %s\n", "secretManager", info.SecretManager)
	fmt.Fprintf(w, "\ndispatch, finalize and sweep are private behind a Cloud Run front door (docs/local-stack.md);\nthe scheduler runs the sweep.\n")
	fmt.Fprintf(w, "\nMint a user token and call a function:\n")
	fmt.Fprintf(w, "  TOKEN=$(curl -s -X POST %s/token -H 'Content-Type: application/json' -d '{\"sub\":\"alice\",\"email\":\"alice@example.com\"}' | sed 's/.*\"id_token\":\"\\([^\"]*\\)\".*/\\1/')\n", info.Issuer)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $TOKEN\" %s/healthz\n", info.Functions["jobs"])
	if verbose {
		fmt.Fprintf(w, "\nEvery request is logged below and in %s.\n", requestLog)
	} else {
		fmt.Fprintf(w, "\nRequests are logged in %s (tail -f it, or run with -v); warnings show here.\n", requestLog)
	}
	fmt.Fprintf(w, "\nCtrl-C stops everything.\n")
}
