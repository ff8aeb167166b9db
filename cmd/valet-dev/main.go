// Command valet-dev runs valet's local stack.
//
//	valet-dev up [flags]          the whole stack in the foreground (make dev)
//	valet-dev exec -- CMD ARGS    the emulators tests need around CMD (make test)
//
// `up` locks .dev/lock (one stack per directory: a second `up` refuses and
// names the first), writes .dev/stack.json once every part answers and
// removes it on Ctrl-C or SIGTERM, after stopping everything it started. The
// request log goes to .dev/requests.log; the terminal gets the banner and
// warnings (every line with -v). `exec` starts the
// Firestore emulator, runs CMD with FIRESTORE_EMULATOR_HOST set, stops the
// emulator and exits with CMD's status.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"valet.dev/valet/emulators/gcloud"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	cmd := "up"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "up":
		err = up(ctx, args)
	case "exec":
		var code int
		code, err = execWithEmulators(ctx, args)
		if err == nil {
			return code
		}
	default:
		err = fmt.Errorf("unknown command %q; use `valet-dev up` or `valet-dev exec -- CMD`", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "valet-dev:", err)
		if errors.Is(err, gcloud.ErrMissing) {
			return 3
		}
		return 1
	}
	return 0
}
