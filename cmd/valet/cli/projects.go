package cli

import (
	"flag"
	"fmt"
	"io"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/project"
)

func spaceCommands() []*command {
	return []*command{{
		name: "spaces ls", prints: true,
		summary: "list your spaces: your own, then your projects', with your role and usage",
		example: "valet spaces ls",
		setup: listAll((*client.Client).Spaces, columns[client.Space]{
			[]string{"SPACE", "ROLE", "USED", "QUOTA", "OBJECTS"},
			func(s client.Space) []string {
				return []string{s.ID, s.Role, size(s.Usage.UsedBytes), size(s.Usage.QuotaBytes), fmt.Sprint(s.Usage.Objects)}
			},
		}),
	}, {
		name: "spaces audit", args: []arg{ownSpace},
		prints: true, summary: "list who was handed what in a space, newest first (its owners only)",
		about: `Each capability valet handed out is one entry: signed URLs, tokens minted,
auth bundles, membership changes, revocations, deletions and cancellations.
No entry holds a secret. Reading the trail takes an owner's login or an API
token with scope all.`,
		example: "valet spaces audit\nvalet spaces audit projects/p-lab --limit 20 --json",
		setup:   listAudit,
	}}
}

func listAudit(fs *flag.FlagSet, in *inv) func() error {
	open := inSpace(in, func(cl *client.Client, space string, size int, token string) ([]audit.Entry, string, error) {
		page, err := cl.Audit(in.ctx, space, size, token)
		return page.Entries, page.NextPageToken, err
	})
	return listPages(fs, in, 100, "entries", 100, open, columns[audit.Entry]{
		[]string{"TIME", "ACTION", "ACTOR", "TARGET"},
		func(e audit.Entry) []string {
			return []string{when(e.Time), string(e.Action), e.Actor.Kind + ":" + e.Actor.ID, e.Target}
		},
	})
}

func projectCommands() []*command {
	user := arg{name: "USER", desc: "the member's user id"}
	role := "viewer (read), editor (read and write) or owner (also members and delete)"
	return []*command{
		{
			name: "projects create", args: []arg{{name: "PROJECT", desc: "the id: 3 to 63 of [a-z0-9-], starting with a letter (default: generated)", optional: true}},
			prints: true, summary: "create a project; you are its owner",
			example: "valet projects create p-lab --name \"The lab\"",
			setup: func(fs *flag.FlagSet, in *inv) func() error {
				name := fs.String("name", "", "display name, 1 to 100 characters (default: the id)")
				return in.runWithClient(func(in *inv, cl *client.Client) error {
					id := ""
					if len(in.args) == 1 {
						id = in.args[0]
					}
					display := firstNonEmpty(*name, id)
					if display == "" {
						return usageError{"pass --name (and PROJECT, or let valet generate an id)"}
					}
					p, err := cl.CreateProject(in.ctx, id, display)
					if err != nil {
						return err
					}
					return in.show(p, func(w io.Writer) { printProject(w, p) })
				})
			},
		},
		{
			name: "projects get", args: []arg{projectID}, prints: true,
			summary: "show a project and its members",
			example: "valet projects get p-lab",
			setup:   showOne((*client.Client).GetProject, printProject),
		},
		{
			name: "projects delete", args: []arg{projectID},
			summary: "delete a project for good (its id is never issued again)",
			about:   "Without --force a project that holds objects is not deleted. Its jobs that are not final are cancelled.",
			example: "valet projects delete p-lab --force",
			setup: func(fs *flag.FlagSet, in *inv) func() error {
				force := fs.Bool("force", false, "also delete the project's objects")
				return in.runWithClient(func(in *inv, cl *client.Client) error {
					if err := cl.DeleteProject(in.ctx, in.args[0], *force); err != nil {
						return err
					}
					fmt.Fprintf(in.stderr, "deleted project %s\n", in.args[0])
					return nil
				})
			},
		},
		{
			name: "projects members add", args: []arg{projectID, user}, prints: true,
			summary: "add a member to a project",
			example: "valet projects members add p-lab bob --role editor",
			setup: func(fs *flag.FlagSet, in *inv) func() error {
				r := fs.String("role", "viewer", role)
				return in.runWithClient(func(in *inv, cl *client.Client) error { return in.setMember(cl, project.Role(*r)) })
			},
		},
		{
			name: "projects members set-role", args: []arg{projectID, user, {name: "ROLE", desc: role}}, prints: true,
			summary: "change a member's role",
			example: "valet projects members set-role p-lab bob owner",
			setup:   withClient(func(in *inv, cl *client.Client) error { return in.setMember(cl, project.Role(in.args[2])) }),
		},
		{
			name: "projects members rm", args: []arg{projectID, user},
			summary: "remove a member (or yourself: leave the project)",
			example: "valet projects members rm p-lab bob",
			setup: withClient(func(in *inv, cl *client.Client) error {
				if err := cl.RemoveMember(in.ctx, in.args[0], in.args[1]); err != nil {
					return err
				}
				fmt.Fprintf(in.stderr, "removed %s from %s\n", in.args[1], in.args[0])
				return nil
			}),
		},
	}
}

// withClient is the setup of a command without flags of its own that
// needs an API client.
func withClient(run func(in *inv, cl *client.Client) error) func(*flag.FlagSet, *inv) func() error {
	return func(fs *flag.FlagSet, in *inv) func() error { return in.runWithClient(run) }
}

// runWithClient is the run of a command that needs an API client: run,
// once the client is made.
func (in *inv) runWithClient(run func(in *inv, cl *client.Client) error) func() error {
	return func() error {
		cl, _, err := in.client()
		if err != nil {
			return err
		}
		return run(in, cl)
	}
}

func (in *inv) setMember(cl *client.Client, role project.Role) error {
	m, err := cl.SetMember(in.ctx, in.args[0], in.args[1], role)
	if err != nil {
		return err
	}
	return in.show(m, func(w io.Writer) { fmt.Fprintf(w, "%s %s in %s\n", m.User, m.Role, in.args[0]) })
}

func printProject(w io.Writer, p client.Project) {
	fields(w, "id", string(p.ID), "name", p.DisplayName, "created by", string(p.CreatedBy), "created", when(p.CreatedAt))
	fmt.Fprintln(w)
	table(w, []string{"MEMBER", "ROLE", "ADDED BY", "ADDED"}, p.Members, func(m project.Member) []string {
		return []string{string(m.User), string(m.Role), string(m.AddedBy), when(m.AddedAt)}
	})
}
