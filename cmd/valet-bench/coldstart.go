package main

import (
	"context"
	"time"

	"valet.dev/valet/functions/jobs"
)

// coldStart is figure 4: a function process's start (exec) to its first
// 200, against a hello-world functions-framework binary. The function is
// jobs, configured as the stack deploys it; its first request builds its
// clients (config.Deployed), so the first 200 includes that. A second
// floor is hello-world linking the Google SDKs the functions need: what
// their package initialisation costs, which valet cannot remove.
func (b *bench) coldStart(ctx context.Context, r *report) error {
	bins, err := b.binaries(ctx)
	if err != nil {
		return err
	}
	env, err := b.functionEnv(jobs.Name)
	if err != nil {
		return err
	}
	type starts struct{ ready, listening []time.Duration }
	var fn, hw, sdk starts
	start := func(s *starts, bin string, env map[string]string, path string) error {
		p, err := startProcess(ctx, bin, env, path)
		if err != nil {
			return err
		}
		p.stop()
		s.ready, s.listening = append(s.ready, p.ready), append(s.listening, p.listening)
		return nil
	}
	hello := map[string]string{"FUNCTION_TARGET": "hello"}
	for range b.c.coldStarts {
		if err := start(&hw, bins.hello, hello, "/"); err != nil {
			return err
		}
		if err := start(&fn, bins.function, env, "/healthz"); err != nil {
			return err
		}
		if err := start(&sdk, bins.helloSDK, hello, "/"); err != nil {
			return err
		}
	}
	floor := float64(pct(hw.ready, 50))
	r.table("4. Cold start: process start to first 200", "binary", "p50", "max", "× hello-world (p50)", "goal ≤ 1.5×")
	row := func(name string, ds []time.Duration, goal string) {
		r.row(name, ms(pct(ds, 50)), ms(pct(ds, 100)), ratio(float64(pct(ds, 50)), floor), goal)
	}
	rt := float64(pct(fn.ready, 50)) / floor
	row("floor: hello-world functions-framework function", hw.ready, "")
	row("jobs (GET /healthz, clients built on the first request)", fn.ready, verdict(rt <= 1.5))
	row("hello-world linking the Google SDKs the functions need", sdk.ready, "")
	row("start to listening: hello-world", hw.listening, "")
	row("start to listening: jobs (package init)", fn.listening, "")
	row("start to listening: hello-world with the SDKs", sdk.listening, "")
	r.note("%d starts of each, in turn, binaries built before the first start. Listening is when the port first accepts a connection; the rest, to the first 200, is the first request (for jobs: building its clients). jobs is %s the hello-world with the SDKs (p50): the rest of its cold start is those SDKs' initialisation. Deployed, Cloud Run adds the instance's own start (image pull, sandbox) to each alike.",
		b.c.coldStarts, ratio(float64(pct(fn.ready, 50)), float64(pct(sdk.ready, 50))))
	return nil
}

// functionEnv is the named function's deployment environment on the
// stack, with its URL (the audience of service tokens) the child's own.
func (b *bench) functionEnv(name string) (map[string]string, error) {
	env, err := b.stack.Environment(name)
	if err != nil {
		return nil, err
	}
	env["VALET_FUNCTION_URL"] = "{{URL}}"
	env["FUNCTION_TARGET"] = name
	return env, nil
}
