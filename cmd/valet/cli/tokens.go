package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"valet.dev/valet/shared/client"
)

// scopes is a repeatable --scope flag.
type scopes []string

func (s *scopes) String() string     { return strings.Join(*s, ",") }
func (s *scopes) Set(v string) error { *s = append(*s, v); return nil }

func tokenCommands() []*command {
	return []*command{
		{
			name: "tokens create", args: []arg{{name: "NAME", desc: "a name to recognise the token by, 1 to 100 characters"}}, prints: true,
			summary: "create an API token and print it (the only time it is shown)",
			about: `The token goes to stdout alone (with --json: with its id, scopes and expiry),
so it can be piped: valet tokens create ci --scope jobs:write | valet login --profile ci --token -`,
			example: "valet tokens create ci --scope jobs:write --scope objects:read@projects/p-lab --expires 720h",
			setup: func(fs *flag.FlagSet, in *inv) func() error {
				var sc scopes
				fs.Var(&sc, "scope", "a scope, repeatable: jobs:read, jobs:write, objects:read, objects:write (each optionally @users/<uid> or @projects/<pid>), tokens:manage, or all")
				expires := fs.Duration("expires", 0, "lifetime, 1m..2160h (default: the server's, 30 days)")
				return in.runWithClient(func(in *inv, cl *client.Client) error {
					if len(sc) == 0 {
						return usageError{"pass at least one --scope (e.g. --scope jobs:read)"}
					}
					if *expires < 0 || *expires%time.Second != 0 {
						return usageError{"--expires must be whole seconds, e.g. 720h"}
					}
					t, err := cl.CreateToken(in.ctx, client.CreateTokenRequest{Name: in.args[0], Scopes: sc, ExpiresInSeconds: int64(expires.Seconds())})
					if err != nil {
						return err
					}
					if err := in.show(t, func(w io.Writer) { fmt.Fprintln(w, t.Token) }); err != nil {
						return err
					}
					fmt.Fprintf(in.stderr, "created %s (%s), expires %s: store it now, valet keeps only its hash\n", t.ID, strings.Join(t.Scopes, " "), when(t.ExpiresAt))
					return nil
				})
			},
		},
		{
			name: "tokens ls", prints: true,
			summary: "list your API tokens (never their values)",
			example: "valet tokens ls",
			setup: listAll((*client.Client).ListTokens, columns[client.TokenInfo]{
				[]string{"ID", "NAME", "STATE", "SCOPES", "EXPIRES"},
				func(t client.TokenInfo) []string {
					state := "active"
					if t.Revoked {
						state = "revoked"
					} else if time.Now().After(t.ExpiresAt) {
						state = "expired"
					}
					return []string{string(t.ID), t.Name, state, strings.Join(t.Scopes, " "), when(t.ExpiresAt)}
				},
			}),
		},
		{
			name: "tokens revoke", args: []arg{{name: "ID", desc: "the token's id (t_...)"}},
			summary: "revoke an API token and every token created with it",
			example: "valet tokens revoke t_5fq...",
			setup: withClient(func(in *inv, cl *client.Client) error {
				if err := cl.RevokeToken(in.ctx, in.args[0]); err != nil {
					return err
				}
				fmt.Fprintf(in.stderr, "revoked %s\n", in.args[0])
				return nil
			}),
		},
	}
}
