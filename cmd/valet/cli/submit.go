package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/job"
)

// submitCommand tars DIR, creates the job, uploads the workspace with a
// progress bar and, with --wait, waits for the job and downloads its
// output. The job id goes to stdout; everything for people to stderr.
func submitCommand(name string) *command {
	return &command{
		name:    name,
		prints:  true,
		args:    []arg{{name: "DIR", desc: "the directory to upload as the job's workspace"}},
		summary: "submit a directory as a job: upload it, optionally wait and download the output",
		about: `The job id goes to stdout (with --json: the job as submitted, or as it
ended with --wait), the progress to stderr. The workspace tar is
deterministic (entries in lexical order, zero times, owner 0, modes
0644/0755), so --reuse finds an earlier identical job.`,
		example: "valet jobs submit ./src --image example/wc --wait --out out.tar\nvalet jobs submit ./src --spec spec.json --project p-lab --attest",
		setup: func(fs *flag.FlagSet, in *inv) func() error {
			specFile := fs.String("spec", "", "JSON file with the job spec (an object)")
			image := fs.String("image", "", "image to run: the spec becomes {\"image\": IMAGE}")
			timeout := fs.Duration("timeout", 0, "job timeout, 1s..24h (default: the server's, 6h)")
			project := fs.String("project", "", "submit into this project instead of your personal space")
			attest := fs.Bool("attest", false, "require an attestation with the output")
			reuse := fs.Bool("reuse", false, "reuse a finished job with the same spec and workspace")
			wait := fs.Bool("wait", false, "wait until the job is final and download its output")
			out := fs.String("out", "", "with --wait, where to write the output (default <ID>.output.tar)")
			return func() error {
				return in.submit(in.args[0], submitOptions{*specFile, *image, *timeout, *project, *attest, *reuse, *wait, *out})
			}
		},
	}
}

type submitOptions struct {
	specFile, image string
	timeout         time.Duration
	project         string
	attest, reuse   bool
	wait            bool
	out             string
}

func (in *inv) submit(dir string, o submitOptions) error {
	spec, err := loadSpec(o.specFile, o.image)
	if err != nil {
		return err
	}
	if o.timeout < 0 || o.timeout%time.Second != 0 {
		return usageError{"--timeout must be whole seconds, e.g. 90s or 1h"}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageError{fmt.Sprintf("%s is not a directory", dir)}
	}
	cl, _, err := in.client()
	if err != nil {
		return err
	}

	tb, err := client.WriteTarball(func(w io.Writer) error { return client.TarDir(dir, w) })
	if err != nil {
		return fmt.Errorf("archive %s: %w", dir, err)
	}
	defer tb.Remove()
	created, err := cl.CreateJob(in.ctx, client.CreateJobRequest{
		Project:            o.project,
		Spec:               spec,
		TimeoutSeconds:     int64(o.timeout.Seconds()),
		Workspace:          client.Workspace{SizeBytes: tb.SizeBytes, MD5: tb.MD5, ContentType: "application/x-tar"},
		Reuse:              o.reuse,
		RequireAttestation: o.attest,
	})
	if err != nil {
		return fmt.Errorf("create the job: %w", err)
	}
	id := created.Job.ID
	if !in.json {
		fmt.Fprintln(in.stdout, id)
	}
	if created.Upload == nil {
		fmt.Fprintf(in.stderr, "reusing finished job %s (same spec and workspace)\n", id)
	} else if err := in.upload(*created.Upload, tb, "upload workspace"); err != nil {
		return fmt.Errorf("upload the workspace of %s: %w (the URL stays valid for 1 h; or submit again)", id, err)
	}
	if !o.wait {
		fmt.Fprintf(in.stderr, "submitted %s; follow it with `valet jobs wait %s`\n", id, id)
		return in.showJSON(created.Job)
	}
	j, err := in.waitJob(cl, id)
	if err != nil {
		if j.ID != "" {
			_ = in.showJSON(j)
		}
		return err
	}
	if err := in.fetch(cl, id, "output", o.out); err != nil {
		return err
	}
	return in.showJSON(j)
}

// showJSON prints v with --json and nothing otherwise.
func (in *inv) showJSON(v any) error {
	if !in.json {
		return nil
	}
	return printJSON(in.stdout, v)
}

// upload PUTs a tarball to a signed URL with a progress bar on stderr.
func (in *inv) upload(u client.SignedURL, tb client.Tarball, label string) error {
	f, err := tb.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	p := client.NewProgress(in.stderr, label, client.IsTerminal(in.stderr))
	if err := client.Upload(in.ctx, u, f, tb.SizeBytes, p.Update); err != nil {
		return err
	}
	p.Done()
	return nil
}

// loadSpec reads the spec from a JSON file or builds it from --image, and
// checks it against the job spec schema (job.CheckSpec, the server's own
// check) before anything is archived or uploaded.
func loadSpec(file, image string) (map[string]any, error) {
	spec, err := readSpec(file, image)
	if err != nil {
		return nil, err
	}
	if err := job.CheckSpec(spec); err != nil {
		from := "--image"
		if file != "" {
			from = file
		}
		return nil, usageError{fmt.Sprintf("%s: %s", from, apperr.From(err).Message)}
	}
	return spec, nil
}

func readSpec(file, image string) (map[string]any, error) {
	switch {
	case file != "" && image != "":
		return nil, usageError{"pass --spec or --image, not both"}
	case image != "":
		return map[string]any{"image": image}, nil
	case file == "":
		return nil, usageError{"pass --spec FILE.json or --image IMAGE to say what the job runs"}
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the spec: %w", err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil || spec == nil {
		return nil, usageError{fmt.Sprintf("%s must hold a JSON object", file)}
	}
	return spec, nil
}
