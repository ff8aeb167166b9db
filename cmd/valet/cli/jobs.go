package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/job"
)

func jobCommands() []*command {
	return []*command{
		submitCommand("jobs submit"),
		{
			name: "jobs get", args: []arg{jobID}, prints: true,
			summary: "show a job: state, spec, artifacts, times",
			example: "valet jobs get j_2xq4...\nvalet jobs get j_2xq4... --json | jq .state",
			setup:   showOne((*client.Client).GetJob, printJob),
		},
		{
			name: "jobs list", prints: true,
			summary: "list your jobs and your projects' jobs, newest first",
			example: "valet jobs list\nvalet jobs list --project p-lab --state RUNNING --limit 10",
			setup:   listJobs,
		},
		{
			name: "jobs wait", args: []arg{jobID}, prints: true,
			summary: "wait until a job is final, printing each state change on stderr",
			about:   "Exits 0 when the job SUCCEEDED and 4 when it ended otherwise.",
			example: "valet jobs wait j_2xq4... && valet jobs output j_2xq4...",
			setup: oneJob(func(in *inv, cl *client.Client, id string) error {
				j, err := in.waitJob(cl, id)
				if err != nil && j.ID == "" {
					return err
				}
				if perr := in.show(j, func(w io.Writer) { fmt.Fprintf(w, "%s %s\n", j.ID, j.State) }); perr != nil {
					return perr
				}
				return err
			}),
		},
		{
			name: "jobs cancel", args: []arg{jobID}, prints: true,
			summary: "cancel a job that is not final; its secrets are destroyed at once",
			example: "valet jobs cancel j_2xq4...",
			setup:   oneJob(func(in *inv, cl *client.Client, id string) error { return in.cancelJob(cl, id) }),
		},
		{
			name: "jobs events", args: []arg{jobID}, prints: true,
			summary: "list a job's events, oldest first",
			example: "valet jobs events j_2xq4...",
			setup:   oneJob(func(in *inv, cl *client.Client, id string) error { return in.events(cl, id) }),
		},
		artifactCommand("jobs output", "output", "download a finished job's output (a tar)"),
		artifactCommand("jobs attestation", "attestation", "download a finished job's attestation"),
	}
}

// shortcutCommands are the top-level names of the commonest job commands.
func shortcutCommands() []*command {
	var out []*command
	for short, long := range map[string]string{"submit": "jobs submit", "wait": "jobs wait", "status": "jobs get", "cancel": "jobs cancel", "download": "jobs output"} {
		for _, c := range jobCommands() {
			if c.name == long {
				s := *c
				s.name, s.summary = short, "shortcut for valet "+long
				s.example = strings.ReplaceAll(c.example, "valet "+long, "valet "+short)
				out = append(out, &s)
			}
		}
	}
	return out
}

// oneJob is the setup of a command on one job without flags of its own.
func oneJob(run func(in *inv, cl *client.Client, id string) error) func(*flag.FlagSet, *inv) func() error {
	return withClient(func(in *inv, cl *client.Client) error { return run(in, cl, in.args[0]) })
}

func printJob(w io.Writer, j job.View) {
	artifacts := func(a job.ArtifactView) string {
		if !a.Present {
			return ""
		}
		return size(a.SizeBytes)
	}
	lock := ""
	if j.Lock.Worker != "" {
		lock = fmt.Sprintf("%s (epoch %d, lease until %s)", j.Lock.Worker, j.Lock.Epoch, when(j.Lock.LeaseExpiresAt))
	}
	fields(w, "id", j.ID, "state", string(j.State), "message", j.Message, "owner", j.Owner, "project", j.Project,
		"runs as", j.RuntimeUser+" "+fmt.Sprint(j.RuntimeScopes), "attempt", fmt.Sprintf("%d of %d", j.Attempt, j.MaxAttempts),
		"worker", lock, "created", when(j.CreatedAt), "updated", when(j.UpdatedAt), "deadline", when(j.Deadline),
		"finished", when(j.FinishedAt), "workspace", artifacts(j.Workspace), "output", artifacts(j.Output),
		"attestation", artifacts(j.Attestation))
}

func listJobs(fs *flag.FlagSet, in *inv) func() error {
	project := fs.String("project", "", "only this project's jobs")
	state := fs.String("state", "", "only jobs in this state (QUEUED, RUNNING, SUCCEEDED, FAILED, ...)")
	open := func(cl *client.Client) (pager[job.View], error) {
		o := client.ListJobsOptions{Project: *project, State: job.State(strings.ToUpper(*state))}
		return func(size int, token string) ([]job.View, string, error) {
			o.PageSize, o.PageToken = size, token
			page, err := cl.ListJobs(in.ctx, o)
			return page.Jobs, page.NextPageToken, err
		}, nil
	}
	return listPages(fs, in, 50, "jobs", 100, open, columns[job.View]{
		[]string{"ID", "STATE", "PROJECT", "CREATED", "MESSAGE"},
		func(j job.View) []string {
			return []string{j.ID, string(j.State), orDash(j.Project), when(j.CreatedAt), orDash(j.Message)}
		},
	})
}

func (in *inv) cancelJob(cl *client.Client, id string) error {
	j, err := cl.CancelJob(in.ctx, id)
	if err != nil {
		return in.explainCancel(cl, id, err)
	}
	return in.show(j, func(w io.Writer) { fmt.Fprintf(w, "%s %s\n", j.ID, j.State) })
}

func (in *inv) events(cl *client.Client, id string) error {
	events, err := collect(0, 100, func(size int, token string) ([]job.Event, string, error) {
		page, err := cl.Events(in.ctx, id, size, token)
		return page.Events, page.NextPageToken, err
	})
	if err != nil {
		return err
	}
	return showTable(in, events, []string{"SEQ", "TIME", "TYPE", "MESSAGE"}, func(ev job.Event) []string {
		return []string{fmt.Sprint(ev.Seq), when(ev.Time), ev.Type, ev.Message}
	})
}

// waitJob waits for a final state, telling stderr of every change. A
// final state other than SUCCEEDED is an error with ExitJobFailed.
func (in *inv) waitJob(cl *client.Client, id string) (job.View, error) {
	start := time.Now()
	j, err := cl.WaitJob(in.ctx, id, client.WaitOptions{OnChange: func(j job.View) {
		fmt.Fprintf(in.stderr, "%s  %s%s\n", formatElapsed(time.Since(start)), j.State, messageSuffix(j))
	}})
	if err != nil && in.ctx.Err() != nil {
		return job.View{}, fmt.Errorf("stopped waiting for %s; the job goes on: `valet jobs wait %s` to resume", id, id)
	}
	if err != nil {
		return job.View{}, fmt.Errorf("wait for %s: %w", id, err)
	}
	if j.State != job.Succeeded {
		return j, exitError{ExitJobFailed, fmt.Errorf("job %s ended %s%s (its events: `valet jobs events %s`)", j.ID, j.State, messageSuffix(j), j.ID)}
	}
	return j, nil
}

func messageSuffix(j job.View) string {
	if j.Message == "" {
		return ""
	}
	return ": " + j.Message
}

func formatElapsed(d time.Duration) string {
	return fmt.Sprintf("%5.1fs", d.Seconds())
}

// artifactCommand downloads the output or the attestation of a job.
func artifactCommand(name, what, summary string) *command {
	def := "<ID>.output.tar"
	if what == "attestation" {
		def = "<ID>.attestation.json"
	}
	return &command{
		name: name, args: []arg{jobID}, summary: summary,
		example: fmt.Sprintf("valet %s j_2xq4...\nvalet %s j_2xq4... -o - | tar t", name, name),
		setup: func(fs *flag.FlagSet, in *inv) func() error {
			out := fs.String("o", "", "file to write (default "+def+"; - for stdout)")
			return in.runWithClient(func(in *inv, cl *client.Client) error { return in.fetch(cl, in.args[0], what, *out) })
		},
	}
}

// fetch downloads one artifact of job id to path with a progress bar.
func (in *inv) fetch(cl *client.Client, id, what, path string) error {
	get := cl.OutputURL
	if what == "attestation" {
		get = cl.AttestationURL
	}
	if path == "" {
		path = id + ".output.tar"
		if what == "attestation" {
			path = id + ".attestation.json"
		}
	}
	u, err := get(in.ctx, id)
	if err != nil {
		return in.explainArtifact(cl, id, what, fmt.Errorf("get the %s of %s: %w", what, id, err))
	}
	return in.download(u, "download "+what, path)
}

// download writes a signed URL's bytes to path ("-": stdout), with a
// progress bar on stderr; a failed download leaves no file behind.
func (in *inv) download(u client.SignedURL, label, path string) error {
	w := in.stdout
	var f *os.File
	var err error
	if path != "-" {
		if f, err = os.Create(path); err != nil {
			return fmt.Errorf("create %s: %w (choose another file with -o)", path, err)
		}
		w = f
	}
	p := client.NewProgress(in.stderr, label, client.IsTerminal(in.stderr))
	n, err := client.Download(in.ctx, u, w, p.Update)
	if err == nil {
		p.Done()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}
	if path != "-" {
		fmt.Fprintf(in.stderr, "wrote %s (%d bytes)\n", path, n)
	}
	return nil
}
