package cli

import (
	"bytes"
	"flag"
	"fmt"
	"sort"
	"strings"
)

// command is one `valet ...` command.
type command struct {
	name    string // full name without "valet", e.g. "jobs get"
	args    []arg  // positional arguments
	summary string // one line, lower case, no period
	about   string // optional paragraph after the usage line
	example string // one or more example lines, without the leading "$ "
	prints  bool   // prints a resource: takes --json
	offline bool   // takes no connection flags (config, version, completion)
	// setup registers the command's own flags and returns what runs once
	// they and the positional arguments are parsed into in.
	setup func(fs *flag.FlagSet, in *inv) func() error
}

// noFlags is the setup of a command without flags of its own.
func noFlags(run func(in *inv) error) func(*flag.FlagSet, *inv) func() error {
	return func(fs *flag.FlagSet, in *inv) func() error { return func() error { return run(in) } }
}

// arg is a positional argument.
type arg struct {
	name, desc string
	optional   bool // may be left out
	many       bool // may repeat (last argument only)
}

// The positional arguments that several commands take.
var (
	jobID     = arg{name: "ID", desc: "the job's id (j_...)"}
	objectID  = arg{name: "ID", desc: "the object's id (o_...)"}
	projectID = arg{name: "PROJECT", desc: "the project's id"}
	ownSpace  = arg{name: "SPACE", desc: "users/<uid> or projects/<pid> (default: your own space)", optional: true}
)

// inv is one invocation of a command: its streams, connection flags,
// --json and positional arguments.
type inv struct {
	env
	cmd  *command
	conn connFlags
	json bool
	args []string
	// resolved is where the command called valet, once it has.
	resolved *conn
}

// groups are the resource groups, in help order, with their summaries.
var groups = []struct{ name, summary string }{
	{"jobs", "submit directories as jobs, follow them, fetch their output"},
	{"objects", "shared objects: upload, list, download, copy, delete, revoke"},
	{"spaces", "the spaces you can use (yours and your projects')"},
	{"projects", "projects and their members"},
	{"projects members", "who is in a project, with which role"},
	{"tokens", "API tokens for scripts and jobs"},
	{"config", "profiles: where valet is and how to log in"},
	{"completion", "shell completion scripts"},
}

// commands is every command, sorted by name, built once (in init: the
// completion commands read it).
var commands []*command

func init() { commands = buildCommands() }

func buildCommands() []*command {
	var all []*command
	for _, part := range [][]*command{
		jobCommands(), shortcutCommands(), objectCommands(), spaceCommands(), projectCommands(),
		tokenCommands(), configCommands(), loginCommands(), versionCommands(), completionCommands(),
	} {
		all = append(all, part...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].name < all[j].name })
	return all
}

// find splits args into the longest command name they start with and the
// rest. Without a command it returns the longest group named (or "").
func find(args []string) (*command, string, []string) {
	var best *command
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(words) <= len(args) && equalWords(words, args[:len(words)]) &&
			(best == nil || len(words) > len(strings.Fields(best.name))) {
			best = c
		}
	}
	if best != nil {
		return best, "", args[len(strings.Fields(best.name)):]
	}
	group := ""
	for _, g := range groups {
		words := strings.Fields(g.name)
		if len(words) <= len(args) && equalWords(words, args[:len(words)]) && len(words) > len(strings.Fields(group)) {
			group = g.name
		}
	}
	return nil, group, args[len(strings.Fields(group)):]
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// flags builds the command's flag set and run function for in.
func (c *command) flags(in *inv) (*flag.FlagSet, func() error) {
	fs := flag.NewFlagSet("valet "+c.name, flag.ContinueOnError)
	fs.SetOutput(in.stderr)
	fs.Usage = func() {} // Run prints the help itself
	if !c.offline {
		in.conn.register(fs)
	}
	if c.prints {
		fs.BoolVar(&in.json, "json", false, "print JSON instead of text")
	}
	return fs, c.setup(fs, in)
}

// runCommand parses args for cmd and runs it.
func (e env) runCommand(cmd *command, args []string) error {
	in := &inv{env: e, cmd: cmd}
	fs, run := cmd.flags(in)
	pos, err := parseArgs(fs, args)
	if err == flag.ErrHelp {
		fmt.Fprint(e.stdout, cmd.help())
		return errHelp
	}
	if err != nil {
		return errFlags // the flag package has printed why
	}
	if err := cmd.checkArgs(pos); err != nil {
		return err
	}
	in.args = pos
	return in.annotate(run())
}

// parseArgs parses args with fs; flags may come before or after the
// positional arguments, which it returns. "--" ends the flags.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// checkArgs checks the number of positional arguments.
func (c *command) checkArgs(pos []string) error {
	lo, hi := 0, len(c.args)
	for _, a := range c.args {
		if !a.optional {
			lo++
		}
		if a.many {
			hi = -1
		}
	}
	switch {
	case len(pos) < lo:
		return usageError{fmt.Sprintf("missing %s", c.args[len(pos)].name)}
	case hi >= 0 && len(pos) > hi:
		return usageError{fmt.Sprintf("unexpected argument %q", pos[hi])}
	}
	return nil
}

// synopsis is "valet jobs get ID [flags]".
func (c *command) synopsis() string {
	var b strings.Builder
	b.WriteString("valet " + c.name)
	for _, a := range c.args {
		s := a.name
		if a.many {
			s += "..."
		}
		if a.optional {
			s = "[" + s + "]"
		}
		b.WriteString(" " + s)
	}
	return b.String() + " [flags]"
}

// help is the command's --help text.
func (c *command) help() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\n\nUsage:\n  %s\n", capitalize(c.summary)+".", c.synopsis())
	if c.about != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(c.about))
	}
	if len(c.args) > 0 {
		b.WriteString("\nArguments:\n")
		for _, a := range c.args {
			fmt.Fprintf(&b, "  %-10s %s\n", a.name, a.desc)
		}
	}
	in := &inv{}
	fs, _ := c.flags(in)
	own := flagLines(fs, func(f *flag.Flag) bool { return !isConnFlag(f.Name) })
	if own != "" {
		b.WriteString("\nFlags:\n" + own)
	}
	if !c.offline {
		b.WriteString("\nConnection flags (every command that calls valet; see `valet help`):\n  --profile, --url, --jobs-url, --objects-url, --tokens-url, --dev, --stack, --token\n")
	}
	fmt.Fprintf(&b, "\nExample:\n")
	for _, line := range strings.Split(strings.TrimSpace(c.example), "\n") {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	return b.String()
}

// flagLines lists the flags keep accepts, one per line, sorted.
func flagLines(fs *flag.FlagSet, keep func(*flag.Flag) bool) string {
	var b strings.Builder
	fs.VisitAll(func(f *flag.Flag) {
		if !keep(f) {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		left := "--" + f.Name
		if len(f.Name) == 1 {
			left = "-" + f.Name
		}
		if name != "" {
			left += " " + name
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(&b, "  %-24s %s\n", left, usage)
	})
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// groupHelp lists a group's commands.
func groupHelp(group string) string {
	var b strings.Builder
	for _, g := range groups {
		if g.name == group {
			fmt.Fprintf(&b, "%s.\n\n", capitalize(g.summary))
		}
	}
	fmt.Fprintf(&b, "Usage:\n  valet %s COMMAND [flags]\n\nCommands:\n", group)
	for _, c := range commands {
		if strings.HasPrefix(c.name, group+" ") && !strings.Contains(strings.TrimPrefix(c.name, group+" "), " ") {
			fmt.Fprintf(&b, "  %-14s %s\n", strings.TrimPrefix(c.name, group+" "), c.summary)
		}
	}
	for _, g := range groups {
		if strings.HasPrefix(g.name, group+" ") {
			fmt.Fprintf(&b, "  %-14s %s\n", strings.TrimPrefix(g.name, group+" ")+" ...", g.summary)
		}
	}
	fmt.Fprintf(&b, "\nRun `valet %s COMMAND --help` for a command's arguments, flags and an example.\n", group)
	return b.String()
}

// topHelp is `valet help`.
func topHelp() string {
	var b strings.Builder
	b.WriteString("valet: run jobs on directories, share objects, manage projects and tokens.\n\n")
	b.WriteString("Usage:\n  valet COMMAND [SUBCOMMAND] [ARGUMENTS] [flags]\n\nResources:\n")
	for _, g := range groups {
		if !strings.Contains(g.name, " ") {
			fmt.Fprintf(&b, "  %-14s %s\n", g.name, g.summary)
		}
	}
	b.WriteString("\nCommands:\n")
	for _, c := range commands {
		if !strings.Contains(c.name, " ") {
			fmt.Fprintf(&b, "  %-14s %s\n", c.name, c.summary)
		}
	}
	var conn connFlags
	fs := flag.NewFlagSet("valet", flag.ContinueOnError)
	conn.register(fs)
	b.WriteString("\nConnection flags (every command that calls valet):\n")
	b.WriteString(flagLines(fs, func(*flag.Flag) bool { return true }))
	b.WriteString("\n" + precedenceHelp + "\n" + exitCodesInHelp)
	b.WriteString("\nRun `valet COMMAND --help` for a command's arguments, flags and an example.\n")
	return b.String()
}
