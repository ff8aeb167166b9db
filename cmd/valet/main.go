// Command valet is the command-line client of valet: submit a directory as
// a job with progress bars, wait for it, download its output. See
// docs/cli.md and `valet help`.
package main

import (
	"context"
	"os"
	"os/signal"

	"valet.dev/valet/cmd/valet/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
