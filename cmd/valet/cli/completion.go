package cli

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

func completionCommands() []*command {
	var out []*command
	for _, shell := range []struct{ name, install string }{
		{"bash", "source <(valet completion bash)    # or write it to /etc/bash_completion.d/valet"},
		{"zsh", "source <(valet completion zsh)     # in ~/.zshrc"},
		{"fish", "valet completion fish > ~/.config/fish/completions/valet.fish"},
	} {
		out = append(out, &command{
			name: "completion " + shell.name, offline: true,
			summary: "print the " + shell.name + " completion script",
			example: shell.install,
			setup: noFlags(func(in *inv) error {
				switch shell.name {
				case "bash":
					writeBash(in.stdout, false)
				case "zsh":
					writeBash(in.stdout, true)
				default:
					writeFish(in.stdout)
				}
				return nil
			}),
		})
	}
	return out
}

// children are the words that may follow path ("" for the top level).
func children(path string) []string {
	seen := map[string]bool{}
	prefix := ""
	if path != "" {
		prefix = path + " "
	}
	add := func(name string) {
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" {
			seen[strings.Fields(rest)[0]] = true
		}
	}
	for _, c := range commands {
		add(c.name)
	}
	for _, g := range groups {
		add(g.name)
	}
	out := make([]string, 0, len(seen))
	for w := range seen {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// flagNames are the --flags of c.
func (c *command) flagNames() []string {
	fs, _ := c.flags(&inv{})
	var out []string
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			out = append(out, "-"+f.Name)
		} else {
			out = append(out, "--"+f.Name)
		}
	})
	return append(out, "--help")
}

// writeBash writes a bash completion script; zsh runs it through
// bashcompinit.
func writeBash(w io.Writer, zsh bool) {
	if zsh {
		fmt.Fprintln(w, "#compdef valet\nautoload -U +X bashcompinit && bashcompinit")
	}
	fmt.Fprint(w, `_valet() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in -*) ;; *) path="$path ${COMP_WORDS[i]}" ;; esac
  done
  path="${path# }"
  case "$path" in
`)
	for _, c := range commands {
		fmt.Fprintf(w, "    %q|%q*) [[ $cur == -* ]] && COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n",
			c.name, c.name+" ", strings.Join(c.flagNames(), " "))
	}
	fmt.Fprintf(w, "    \"\") COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", strings.Join(append(children(""), "help"), " "))
	for _, g := range groups {
		fmt.Fprintf(w, "    %q) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", g.name, strings.Join(children(g.name), " "))
	}
	fmt.Fprint(w, "  esac\n}\ncomplete -o default -F _valet valet\n")
}

// writeFish writes a fish completion script.
func writeFish(w io.Writer) {
	fmt.Fprintln(w, "# valet completion for fish")
	fmt.Fprintln(w, "complete -c valet -f")
	for _, g := range groups {
		if !strings.Contains(g.name, " ") {
			fmt.Fprintf(w, "complete -c valet -n __fish_use_subcommand -a %s -d %q\n", g.name, g.summary)
		}
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		cond := "__fish_use_subcommand"
		if len(words) > 1 {
			cond = fmt.Sprintf("__fish_seen_subcommand_from %s; and not __fish_seen_subcommand_from %s", words[len(words)-2], words[len(words)-1])
		}
		fmt.Fprintf(w, "complete -c valet -n %q -a %s -d %q\n", cond, words[len(words)-1], c.summary)
		for _, f := range c.flagNames() {
			if name, ok := strings.CutPrefix(f, "--"); ok {
				fmt.Fprintf(w, "complete -c valet -n %q -l %s\n", "__fish_seen_subcommand_from "+words[len(words)-1], name)
			}
		}
	}
}
