package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"

	"valet.dev/valet/emulators/gcloud"
	"valet.dev/valet/shared/testenv"
)

// execWithEmulators runs args (after an optional "--") with the Firestore
// emulator running and FIRESTORE_EMULATOR_HOST set. A missing emulator is
// an error under CI; elsewhere the command runs without it and the
// emulator-backed tests skip with the reason.
func execWithEmulators(ctx context.Context, args []string) (int, error) {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return 0, errors.New("exec needs a command, for example: valet-dev exec -- go test ./pkg")
	}
	env := os.Environ()
	if err := gcloud.Check(gcloud.Firestore); err != nil {
		if testenv.InCI() {
			return 0, err
		}
		fmt.Fprintf(os.Stderr, "valet-dev: %v\nvalet-dev: running without it; emulator-backed tests will skip\n", err)
	} else {
		log, err := os.CreateTemp("", "valet-firestore-*.log")
		if err != nil {
			return 0, err
		}
		defer os.Remove(log.Name())
		defer log.Close()
		e, err := gcloud.Start(ctx, gcloud.Firestore, gcloud.Options{Log: log})
		if err != nil {
			return 0, err
		}
		defer e.Stop()
		env = append(env, gcloud.Firestore.EnvVar()+"="+e.Host)
		fmt.Fprintf(os.Stderr, "valet-dev: Firestore emulator on %s\n", e.Host)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = os.Stdin, os.Stdout, os.Stderr, env
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}
