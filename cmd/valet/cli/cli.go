// Package cli is the valet command line: Run parses the arguments of one
// invocation and runs its command, so tests drive it without a binary.
//
// Commands are grouped by resource (jobs, objects, spaces, projects,
// tokens) in files of their own; command.go holds the small command tree,
// its help and the flag parsing, config.go and conn.go the profiles and how
// a command finds its URLs and credential. The exit codes are the Exit*
// constants, documented in docs/cli.md.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"valet.dev/valet/shared/client"
)

// Exit codes of Run.
const (
	ExitOK          = 0 // success
	ExitError       = 1 // any other error
	ExitUsage       = 2 // bad usage: unknown command or flag, wrong arguments
	ExitNotFound    = 3 // not found or not allowed (404, 403)
	ExitJobFailed   = 4 // the job ended other than SUCCEEDED (wait, submit --wait)
	ExitAuthNeeded  = 5 // no credential, or it was refused (401): log in again
	exitCodesInHelp = `Exit codes:
  0  success
  1  an error (the API's message and what to do next are printed on stderr)
  2  bad usage (unknown command or flag, wrong arguments)
  3  not found or not allowed (the API answered 404 or 403)
  4  the job ended other than SUCCEEDED (jobs wait, jobs submit --wait)
  5  not logged in, or the credential was refused (401): run valet login
`
)

// env is one invocation's streams and context.
type env struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
}

// Stdin is what commands that read standard input read (login --token -,
// objects put -); tests replace it.
var Stdin io.Reader = strings.NewReader("")

// errFlags is a flag parse failure the flag package has already reported.
var errFlags = errors.New("bad flags")

// errHelp is a --help that has been answered: exit 0.
var errHelp = errors.New("help shown")

// usageError is bad usage: printed with a hint, exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries its own exit code (a job that failed, a missing login).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// Run runs one valet invocation and returns its exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := env{ctx: ctx, stdin: Stdin, stdout: stdout, stderr: stderr}
	cmd, group, rest := find(args)
	if cmd == nil {
		return e.groupUsage(group, rest)
	}
	err := e.runCommand(cmd, rest)
	return e.report(cmd, err)
}

// report prints err (with its hint) and returns the exit code.
func (e env) report(cmd *command, err error) int {
	var ue usageError
	var xe exitError
	switch {
	case err == nil || errors.Is(err, errHelp):
		return ExitOK
	case errors.Is(err, errFlags):
		fmt.Fprintf(e.stderr, "Run `valet %s --help` for usage.\n", cmd.name)
		return ExitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "valet %s: %s\nRun `valet %s --help` for usage.\n", cmd.name, ue.msg, cmd.name)
		return ExitUsage
	}
	fmt.Fprintf(e.stderr, "valet %s: %s\n", cmd.name, err)
	if advice := hint(err); advice != "" {
		fmt.Fprintf(e.stderr, "  next: %s\n", advice)
	}
	var wf *client.WrongFunctionError
	switch {
	case errors.As(err, &xe):
		return xe.code
	case errors.As(err, &wf):
		return ExitError // a configuration to fix, not a missing resource
	}
	switch client.StatusOf(err) {
	case http.StatusNotFound, http.StatusForbidden:
		return ExitNotFound
	case http.StatusUnauthorized:
		return ExitAuthNeeded
	}
	return ExitError
}

// groupUsage answers an invocation that named no command: the top-level
// help, a group's list of commands, or an unknown command.
func (e env) groupUsage(group string, rest []string) int {
	helpAsked := len(rest) > 0 && isHelp(rest[0])
	switch {
	case group == "" && len(rest) == 0:
		fmt.Fprint(e.stderr, topHelp())
		return ExitUsage
	case group == "" && (helpAsked || rest[0] == "help"):
		if len(rest) > 1 && rest[0] == "help" {
			return Run(e.ctx, append(rest[1:], "--help"), e.stdout, e.stderr)
		}
		fmt.Fprint(e.stdout, topHelp())
		return ExitOK
	case helpAsked:
		fmt.Fprint(e.stdout, groupHelp(group))
		return ExitOK
	case len(rest) == 0:
		fmt.Fprint(e.stderr, groupHelp(group))
		return ExitUsage
	}
	prefix := "valet"
	if group != "" {
		prefix += " " + group
	}
	fmt.Fprintf(e.stderr, "%s: unknown command %q\nRun `%s --help` for the commands.\n", prefix, rest[0], prefix)
	return ExitUsage
}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" }
