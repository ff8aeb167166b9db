package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/seal"
)

// Step claims one job and processes it. processed is false when nothing
// was queued. A job that fails is reported FAILED and is not an error of
// Step; an error is a claim failure or a report the API refused.
func (w *Worker) Step(ctx context.Context) (processed bool, err error) {
	cl, err := w.client(ctx)
	if err != nil {
		return false, err
	}
	key, sealTo, err := seal.GenerateKey(seal.KEMX25519)
	if err != nil {
		return false, fmt.Errorf("generate a sealing key: %w", err)
	}
	// A claim the server made must not be lost to a stop mid-request: the
	// call outlives ctx, and a job claimed while stopping is handed back.
	claimCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	claim, ok, err := cl.Claim(claimCtx, client.ClaimRequest{
		Worker: w.opts.Name, LeaseSeconds: int64(w.opts.Lease.Seconds()), SealTo: sealTo, SingleUse: true,
	})
	if err != nil {
		return false, fmt.Errorf("claim: %w", err)
	}
	if !ok {
		return false, nil
	}
	if ctx.Err() != nil {
		w.logf("claimed %s while stopping; handing it back", claim.Job.ID)
		return true, w.report(claimCtx, cl, claim.Job.ID, claim.Lock.Epoch, job.Queued, "the worker stopped before the job started")
	}
	return true, w.process(ctx, claim, key)
}

// process runs one claimed job. API calls use a context that outlives a
// stop, so the worker can still hand the job back or finish its report.
func (w *Worker) process(stop context.Context, claim client.Claim, key seal.PrivateKey) error {
	ctx := context.WithoutCancel(stop)
	id, epoch := claim.Job.ID, claim.Lock.Epoch
	w.logf("claimed %s (epoch %d, attempt %d)", id, epoch, claim.Job.Attempt)
	cl, err := w.client(ctx)
	if err != nil {
		return err
	}
	bundle, err := cl.Auth(ctx, id, epoch, &key)
	if err != nil {
		// A single-use bundle cannot be fetched again: hand the job back so
		// another claim gets a new epoch and a new bundle.
		w.logf("%s: fetch the auth bundle: %v; handing it back", id, err)
		return w.report(ctx, cl, id, epoch, job.Queued, "the worker could not fetch the auth bundle")
	}
	if _, err := cl.State(ctx, id, epoch, job.Running, ""); err != nil {
		return fmt.Errorf("report %s RUNNING: %w", id, err)
	}
	w.logf("%s: RUNNING", id)

	runCtx, cancelRun := context.WithCancel(stop)
	defer cancelRun()
	if !claim.Job.Deadline.IsZero() {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(runCtx, claim.Job.Deadline)
		defer cancel()
	}
	lost := make(chan struct{})
	hbDone := w.heartbeat(runCtx, id, epoch, cancelRun, lost)
	runErr := w.runJob(runCtx, claim.Job, bundle)
	cancelRun()
	<-hbDone

	select {
	case <-lost:
		w.logf("%s: lease lost; dropping the job (another worker may have it)", id)
		return nil
	default:
	}
	switch {
	case runErr == nil:
		w.logf("%s: output uploaded; valet marks it SUCCEEDED", id)
		return nil
	case stop.Err() != nil:
		w.logf("%s: stopped; handing it back", id)
		return w.report(ctx, cl, id, epoch, job.Queued, "the worker stopped before the job finished")
	case errors.Is(runErr, context.DeadlineExceeded):
		w.logf("%s: FAILED: past its deadline", id)
		return w.report(ctx, cl, id, epoch, job.Failed, "the job ran past its deadline ("+claim.Job.Deadline.UTC().Format(time.RFC3339)+"); submit it with a longer --timeout")
	default:
		w.logf("%s: FAILED: %v", id, runErr)
		return w.report(ctx, cl, id, epoch, job.Failed, runErr.Error())
	}
}

// report sends a state; a 409/410 (the lock moved on) is logged, not an error.
func (w *Worker) report(ctx context.Context, cl *client.Client, id string, epoch int64, state job.State, msg string) error {
	_, err := cl.State(ctx, id, epoch, state, msg)
	if s := client.StatusOf(err); s == http.StatusConflict || s == http.StatusGone {
		w.logf("%s: report %s refused: %v", id, state, err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("report %s %s: %w", id, state, err)
	}
	return nil
}

// heartbeat extends the lease every third of it until ctx ends. A refusal
// of the lease (409/410) closes lost and stops the run.
func (w *Worker) heartbeat(ctx context.Context, id string, epoch int64, stopRun func(), lost chan<- struct{}) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(w.opts.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			cl, err := w.client(ctx)
			if err == nil {
				_, err = cl.Heartbeat(context.WithoutCancel(ctx), id, epoch, int64(w.opts.Lease.Seconds()))
			}
			if s := client.StatusOf(err); s == http.StatusConflict || s == http.StatusGone {
				close(lost)
				stopRun()
				return
			}
			if err != nil {
				w.logf("%s: heartbeat: %v (will retry)", id, err)
			}
		}
	}()
	return done
}

// runJob downloads the workspace, runs the job and uploads its results.
func (w *Worker) runJob(ctx context.Context, j job.View, b client.Bundle) error {
	dir, err := os.MkdirTemp("", "valet-job-*")
	if err != nil {
		return fmt.Errorf("make a work directory: %w", err)
	}
	defer os.RemoveAll(dir)
	workspace, outDir := filepath.Join(dir, "workspace"), filepath.Join(dir, "output")
	for _, d := range []string{workspace, outDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
	}
	files, err := fetchWorkspace(ctx, b.Workspace, dir, workspace)
	if err != nil {
		return err
	}
	w.logf("%s: workspace has %d files", j.ID, len(files))
	if w.opts.Exec {
		err = w.execute(ctx, j, b, workspace, outDir)
	} else {
		err = reference(j, w.opts.Name, files, outDir)
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return w.uploadResults(ctx, j, b, outDir)
}

// fetchWorkspace downloads the workspace tar to dir and unpacks it into workspace.
func fetchWorkspace(ctx context.Context, u client.SignedURL, dir, workspace string) ([]string, error) {
	f, err := os.Create(filepath.Join(dir, "workspace.tar"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := client.Download(ctx, u, f, nil); err != nil {
		return nil, fmt.Errorf("download the workspace: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	files, err := client.ExtractTar(f, workspace)
	if err != nil {
		return nil, fmt.Errorf("unpack the workspace: %w", err)
	}
	return files, nil
}
