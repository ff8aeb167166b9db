package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/functions/dispatch"
	"valet.dev/valet/functions/jobs"
	"valet.dev/valet/shared/client"
	"valet.dev/valet/shared/job"
)

// bytesThroughFunctions is figure 5: the CPU time and peak RSS of the jobs
// and dispatch functions, each its own process as deployed, over one job
// whose workspace is small-mib and then big-mib: created, uploaded through
// the gate, queued (finalize, in the stack), claimed, its bundle fetched
// and the workspace downloaded. Bytes never pass through a function, so
// the two sizes should cost the same. Fresh processes per size, so each
// peak is that job's. It also prints the dev server's (this process's)
// peak RSS during each transfer: the storage emulator keeps bytes on disk.
func (b *bench) bytesThroughFunctions(ctx context.Context, r *report) error {
	bins, err := b.binaries(ctx)
	if err != nil {
		return err
	}
	function := bins.function
	var results []transferUsage
	for _, size := range []int{b.c.smallMiB, b.c.bigMiB} {
		res, err := b.oneTransfer(ctx, function, int64(size)<<20)
		if err != nil {
			return fmt.Errorf("%d MiB: %w", size, err)
		}
		results = append(results, res)
	}
	r.table("5. Functions while a workspace is uploaded and downloaded", "workspace", "jobs CPU", "jobs peak RSS", "dispatch CPU", "dispatch peak RSS", "dev server peak RSS during the transfer")
	for i, size := range []int{b.c.smallMiB, b.c.bigMiB} {
		res := results[i]
		dev := "—"
		if res.devOK {
			dev = mib(res.devPeak)
		}
		r.row(fmt.Sprintf("%d MiB", size), ms(res.jobs.cpu), mib(res.jobs.peak), ms(res.dispatch.cpu), mib(res.dispatch.peak), dev)
	}
	s, g := results[0], results[1]
	within := func(a, b float64) bool { return b <= a*1.1 && a <= b*1.1 }
	cpuA, cpuB := float64(s.jobs.cpu+s.dispatch.cpu), float64(g.jobs.cpu+g.dispatch.cpu)
	rssA, rssB := float64(s.jobs.peak+s.dispatch.peak), float64(g.jobs.peak+g.dispatch.peak)
	r.row("big/small", ratio(float64(g.jobs.cpu), float64(s.jobs.cpu)), ratio(float64(g.jobs.peak), float64(s.jobs.peak)),
		ratio(float64(g.dispatch.cpu), float64(s.dispatch.cpu)), ratio(float64(g.dispatch.peak), float64(s.dispatch.peak)), ratio(float64(g.devPeak), float64(s.devPeak)))
	r.note("Goal: equal within 10%%: CPU %s (%s), peak RSS %s (%s). CPU time is counted in clock ticks (10 ms) from the process's start, so it includes the start and the clients' build; finalize runs inside the stack, not in a process of its own here.",
		ratio(cpuB, cpuA), verdict(within(cpuA, cpuB)), ratio(rssB, rssA), verdict(within(rssA, rssB)))
	return nil
}

// transferUsage is what one transfer cost the function processes and the
// dev server.
type transferUsage struct {
	jobs, dispatch usage
	devPeak        int64
	devOK          bool
}

// oneTransfer runs one job of a size-byte workspace through fresh jobs and
// dispatch processes and returns their usage.
func (b *bench) oneTransfer(ctx context.Context, bin string, size int64) (transferUsage, error) {
	var out transferUsage
	jobsEnv, err := b.functionEnv(jobs.Name)
	if err != nil {
		return out, err
	}
	dispEnv, err := b.functionEnv(dispatch.Name)
	if err != nil {
		return out, err
	}
	jp, err := startProcess(ctx, bin, jobsEnv, "/healthz")
	if err != nil {
		return out, err
	}
	defer jp.stop()
	dp, err := startProcess(ctx, bin, dispEnv, "/healthz")
	if err != nil {
		return out, err
	}
	defer dp.stop()
	dispatcher := b.stack.Info.Dispatchers[0]
	tok, err := b.stack.Issuer.Mint(oidc.TokenRequest{Sub: dispatcher, Email: dispatcher, Aud: dp.url})
	if err != nil {
		return out, err
	}
	user := &client.Client{JobsURL: jp.url, Token: b.user.Token, HTTP: b.http}
	disp := &client.Client{DispatchURL: dp.url, Token: tok, HTTP: b.http}

	out.devOK = resetPeak()
	created, err := user.CreateJob(ctx, client.CreateJobRequest{Spec: map[string]any{"image": "alpine"}, Workspace: client.Workspace{SizeBytes: size}})
	if err != nil {
		return out, err
	}
	queued := b.watchState(ctx, created.Job.ID, job.Queued)
	if err := client.Upload(ctx, *created.Upload, io.LimitReader(pattern{}, size), size, nil); err != nil {
		return out, err
	}
	if _, err := queued(); err != nil {
		return out, err
	}
	var c client.Claim
	for c.Job.ID != created.Job.ID {
		var ok bool
		if c, ok, err = disp.Claim(ctx, client.ClaimRequest{Worker: "bench-transfer"}); err != nil {
			return out, err
		} else if !ok {
			return out, fmt.Errorf("job %s was queued but no claim returned it", created.Job.ID)
		}
	}
	bundle, err := disp.Auth(ctx, c.Job.ID, c.Lock.Epoch, nil)
	if err != nil {
		return out, err
	}
	n, err := client.Download(ctx, bundle.Workspace, io.Discard, nil)
	if err != nil {
		return out, err
	}
	if n != size {
		return out, fmt.Errorf("downloaded %d bytes of %d", n, size)
	}
	time.Sleep(50 * time.Millisecond) // let the processes' counters settle
	if out.jobs, err = usageOf(jp.cmd.Process.Pid); err != nil {
		return out, err
	}
	if out.dispatch, err = usageOf(dp.cmd.Process.Pid); err != nil {
		return out, err
	}
	if out.devOK {
		out.devPeak, err = statusKB(os.Getpid(), "VmHWM:")
	}
	return out, err
}

// pattern is an endless stream of workspace bytes that holds no buffer.
type pattern struct{}

func (pattern) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*7 + 3)
	}
	return len(p), nil
}
