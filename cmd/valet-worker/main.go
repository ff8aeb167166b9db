// Command valet-worker is valet's reference worker: it claims queued jobs
// from the dispatch function, fetches each job's sealed auth bundle, runs
// the job locally and uploads its output (and a stand-in attestation). See
// docs/cli.md and `valet-worker -h`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"valet.dev/valet/cmd/valet-worker/worker"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := worker.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
