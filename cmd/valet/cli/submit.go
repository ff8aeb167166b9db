package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"valet.dev/valet/shared/client"
)

// submit tars DIR, creates the job, uploads the workspace with a progress
// bar and, with --wait, waits for the job and downloads its output. The job
// id goes to stdout; everything for people goes to stderr.
func (e env) submit(args []string) error {
	fs := e.newFlags("submit")
	var c common
	c.register(fs)
	specFile := fs.String("spec", "", "JSON file with the job spec (an object)")
	image := fs.String("image", "", "image to run: the spec becomes {\"image\": X}")
	timeout := fs.Duration("timeout", 0, "job timeout, 1s..24h (default: the server's, 6h)")
	project := fs.String("project", "", "submit into this project instead of your personal space")
	attest := fs.Bool("attest", false, "require an attestation with the output")
	reuse := fs.Bool("reuse", false, "reuse a finished job with the same spec and workspace")
	wait := fs.Bool("wait", false, "wait until the job is final and download its output")
	out := fs.String("out", "", "with --wait, where to write the output (default <id>.output.tar)")
	pos, err := parse(fs, args, "DIR")
	if err != nil {
		return err
	}
	spec, err := loadSpec(*specFile, *image)
	if err != nil {
		return err
	}
	if *timeout < 0 || *timeout%time.Second != 0 {
		return usageError{"--timeout must be whole seconds, e.g. 90s or 1h"}
	}
	if st, err := os.Stat(pos[0]); err != nil || !st.IsDir() {
		return usageError{fmt.Sprintf("%s is not a directory", pos[0])}
	}
	cl, err := c.client()
	if err != nil {
		return err
	}

	tb, err := client.WriteTarball(func(w io.Writer) error { return client.TarDir(pos[0], w) })
	if err != nil {
		return fmt.Errorf("archive %s: %w", pos[0], err)
	}
	defer tb.Remove()
	created, err := cl.CreateJob(e.ctx, client.CreateJobRequest{
		Project:            *project,
		Spec:               spec,
		TimeoutSeconds:     int64(timeout.Seconds()),
		Workspace:          client.Workspace{SizeBytes: tb.SizeBytes, MD5: tb.MD5, ContentType: "application/x-tar"},
		Reuse:              *reuse,
		RequireAttestation: *attest,
	})
	if err != nil {
		return fmt.Errorf("create the job: %w", err)
	}
	id := created.Job.ID
	fmt.Fprintln(e.stdout, id)
	if created.Upload == nil {
		fmt.Fprintf(e.stderr, "reusing finished job %s (same spec and workspace)\n", id)
	} else if err := e.uploadWorkspace(*created.Upload, tb); err != nil {
		return fmt.Errorf("upload the workspace of %s: %w (the URL stays valid for 1 h; or submit again)", id, err)
	}
	if !*wait {
		fmt.Fprintf(e.stderr, "submitted %s; follow it with `valet wait %s`\n", id, id)
		return nil
	}
	if _, err := e.waitJob(cl, id); err != nil {
		return err
	}
	return e.fetch(cl, id, false, *out)
}

func (e env) uploadWorkspace(u client.SignedURL, tb client.Tarball) error {
	f, err := tb.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	p := client.NewProgress(e.stderr, "upload workspace", client.IsTerminal(e.stderr))
	if err := client.Upload(e.ctx, u, f, tb.SizeBytes, p.Update); err != nil {
		return err
	}
	p.Done()
	return nil
}

// loadSpec reads the spec from a JSON file or builds it from --image.
func loadSpec(file, image string) (map[string]any, error) {
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
