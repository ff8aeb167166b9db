// Command valet-admin runs operator tasks on a valet deployment: verify
// (documents whose bytes are missing, bytes no document owns) and migrate
// (the schema migrations). See docs/operations.md and `valet-admin -h`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"valet.dev/valet/cmd/valet-admin/admin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := admin.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv, admin.Google)
	stop()
	os.Exit(code)
}
