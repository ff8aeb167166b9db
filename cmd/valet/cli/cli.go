// Package cli is the valet command line: Run parses the arguments of one
// invocation and runs its subcommand, so tests drive it without a binary.
//
// Exit codes: 0 success, 1 an error (the API's message and what to do
// next are printed on stderr), 2 bad usage.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"valet.dev/valet/shared/client"
)

// Exit codes of Run.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

const usage = `valet: submit directories as jobs, wait for them, fetch their output.

Usage:
  valet login --dev SUB                 mint a dev token from the local stack's issuer and print it
  valet submit DIR [--spec f.json | --image X] [--timeout 1h] [--attest] [--wait] [--out out.tar]
  valet status ID                       print the job as JSON
  valet wait ID                         wait until the job is final
  valet download ID [--attestation] [-o FILE]
  valet cancel ID

Every command takes --token (default $VALET_TOKEN), --stack (default
$VALET_STACK or .dev/stack.json) and --jobs-url (default: from the stack).
`

// env is one invocation's streams and context.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
}

// errFlags is a flag parse failure the flag package has already reported.
var errFlags = errors.New("bad flags")

// usageError is bad usage: printed with a hint, exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// Run runs one valet invocation and returns its exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := env{ctx: ctx, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	commands := map[string]func([]string) error{
		"login":    e.login,
		"submit":   e.submit,
		"status":   e.status,
		"wait":     e.wait,
		"download": e.download,
		"cancel":   e.cancel,
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Fprint(stdout, usage)
		return ExitOK
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "valet: unknown command %q\n\n%s", name, usage)
		return ExitUsage
	}
	err := cmd(rest)
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errFlags):
		return ExitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "valet %s: %s\nRun `valet help` for usage.\n", name, ue.msg)
		return ExitUsage
	}
	fmt.Fprintf(stderr, "valet %s: %s\n", name, err)
	if advice := client.Advice(err); advice != "" {
		fmt.Fprintf(stderr, "  next: %s\n", advice)
	}
	return ExitError
}

// common are the flags every command takes.
type common struct {
	token   string
	stack   string
	jobsURL string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.token, "token", "", "bearer credential (default $VALET_TOKEN)")
	fs.StringVar(&c.stack, "stack", "", "local stack description (default $VALET_STACK or .dev/stack.json)")
	fs.StringVar(&c.jobsURL, "jobs-url", "", "base URL of the jobs function (default: from the stack)")
}

// client builds an API client from the flags, the environment and the stack.
func (c *common) client() (*client.Client, error) {
	token := c.token
	if token == "" {
		token = os.Getenv("VALET_TOKEN")
	}
	if token == "" {
		return nil, errors.New("no credential: pass --token or set VALET_TOKEN (on the local stack: `export VALET_TOKEN=$(valet login --dev alice)`)")
	}
	jobsURL := c.jobsURL
	if jobsURL == "" {
		jobsURL = os.Getenv("VALET_JOBS_URL")
	}
	if jobsURL == "" {
		s, err := client.LoadStack(c.stack)
		if err != nil {
			return nil, fmt.Errorf("%w; or pass --jobs-url", err)
		}
		if jobsURL, err = s.Function("jobs"); err != nil {
			return nil, err
		}
	}
	return &client.Client{JobsURL: jobsURL, Token: token}, nil
}

// parse parses args with fs (flags may come before or after the positional
// arguments) and checks there are exactly n positional arguments named by
// what.
func parse(fs *flag.FlagSet, args []string, what ...string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errFlags // the flag package has printed why
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != len(what) {
		if len(what) == 0 {
			return nil, usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
		}
		return nil, usageError{fmt.Sprintf("want %d argument(s) (%v), got %d", len(what), what, len(pos))}
	}
	return pos, nil
}

// newFlags makes a FlagSet that reports errors to stderr and never exits.
func (e env) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("valet "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}
