package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/job"
)

// jobCommand parses the flags of a command that acts on one job: the
// common flags, the ones more registers (nil: none) and the job ID. It
// returns the API client and the ID.
func (e env) jobCommand(name string, args []string, more func(*flag.FlagSet)) (*client.Client, string, error) {
	fs := e.newFlags(name)
	var c common
	c.register(fs)
	if more != nil {
		more(fs)
	}
	pos, err := parse(fs, args, "ID")
	if err != nil {
		return nil, "", err
	}
	cl, err := c.client()
	return cl, pos[0], err
}

// status prints the job as indented JSON on stdout.
func (e env) status(args []string) error {
	cl, id, err := e.jobCommand("status", args, nil)
	if err != nil {
		return err
	}
	j, err := cl.GetJob(e.ctx, id)
	if err != nil {
		return err
	}
	return printJSON(e, j)
}

// cancel cancels the job and prints its new state.
func (e env) cancel(args []string) error {
	cl, id, err := e.jobCommand("cancel", args, nil)
	if err != nil {
		return err
	}
	j, err := cl.CancelJob(e.ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s\n", j.ID, j.State)
	return nil
}

// wait polls until the job is final; a final state other than SUCCEEDED
// is an error (exit 1).
func (e env) wait(args []string) error {
	cl, id, err := e.jobCommand("wait", args, nil)
	if err != nil {
		return err
	}
	j, err := e.waitJob(cl, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s\n", j.ID, j.State)
	return nil
}

// waitJob waits for a final state, telling stderr of every change.
func (e env) waitJob(cl *client.Client, id string) (job.Job, error) {
	start := time.Now()
	j, err := cl.WaitJob(e.ctx, id, client.WaitOptions{OnChange: func(j job.Job) {
		fmt.Fprintf(e.stderr, "%s  %s%s\n", formatElapsed(time.Since(start)), j.State, messageSuffix(j))
	}})
	if err != nil && e.ctx.Err() != nil {
		return j, fmt.Errorf("stopped waiting for %s; the job goes on: `valet wait %s` to resume", id, id)
	}
	if err != nil {
		return j, fmt.Errorf("wait for %s: %w", id, err)
	}
	if j.State != job.Succeeded {
		return j, fmt.Errorf("job %s ended %s%s (see its events: GET /jobs/%s/events)", j.ID, j.State, messageSuffix(j), j.ID)
	}
	return j, nil
}

func messageSuffix(j job.Job) string {
	if j.Message == "" {
		return ""
	}
	return ": " + j.Message
}

func formatElapsed(d time.Duration) string {
	return fmt.Sprintf("%5.1fs", d.Seconds())
}

func printJSON(e env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// download fetches the job's output (or attestation) into a file.
func (e env) download(args []string) error {
	var attestation bool
	var out string
	cl, id, err := e.jobCommand("download", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&attestation, "attestation", false, "download the attestation instead of the output")
		fs.StringVar(&out, "o", "", "file to write (default <id>.output.tar or <id>.attestation.json; - for stdout)")
	})
	if err != nil {
		return err
	}
	return e.fetch(cl, id, attestation, out)
}

// fetch downloads one artifact of job id to path with a progress bar.
func (e env) fetch(cl *client.Client, id string, attestation bool, path string) error {
	what, get := "output", cl.OutputURL
	if attestation {
		what, get = "attestation", cl.AttestationURL
	}
	if path == "" {
		path = id + ".output.tar"
		if attestation {
			path = id + ".attestation.json"
		}
	}
	u, err := get(e.ctx, id)
	if err != nil {
		return fmt.Errorf("get the %s of %s: %w", what, id, err)
	}
	w := e.stdout
	var f *os.File
	if path != "-" {
		if f, err = os.Create(path); err != nil {
			return fmt.Errorf("create %s: %w (choose another file with -o)", path, err)
		}
		w = f
	}
	p := client.NewProgress(e.stderr, "download "+what, client.IsTerminal(e.stderr))
	n, err := client.Download(e.ctx, u, w, p.Update)
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
		return fmt.Errorf("download the %s of %s: %w", what, id, err)
	}
	if path != "-" {
		fmt.Fprintf(e.stderr, "wrote %s (%d bytes)\n", path, n)
	}
	return nil
}
