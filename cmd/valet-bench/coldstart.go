package main

import (
	"context"
	"fmt"
	"time"

	"valet.dev/valet/functions/jobs"
)

// coldStart is figure 4: a function process's start (exec) to its first
// 200, against a hello-world functions-framework binary. The function is
// jobs, configured as the stack deploys it; its first request builds its
// clients (config.Deployed), so the first 200 includes that.
func (b *bench) coldStart(ctx context.Context, r *report) error {
	function, hello, err := b.binaries(ctx)
	if err != nil {
		return err
	}
	env, err := b.functionEnv(jobs.Name)
	if err != nil {
		return err
	}
	var fn, hw, fnListening []time.Duration
	for range b.c.coldStarts {
		p, err := startProcess(ctx, hello, map[string]string{"FUNCTION_TARGET": "hello"}, "/")
		if err != nil {
			return err
		}
		p.stop()
		hw = append(hw, p.ready)
		if p, err = startProcess(ctx, function, env, "/healthz"); err != nil {
			return err
		}
		p.stop()
		fn = append(fn, p.ready)
		fnListening = append(fnListening, p.listening)
	}
	r.table("4. Cold start: process start to first 200", "binary", "p50", "max", "× hello-world (p50)", "goal ≤ 1.5×")
	rt := float64(pct(fn, 50)) / float64(pct(hw, 50))
	r.row("floor: hello-world functions-framework function", ms(pct(hw, 50)), ms(pct(hw, 100)), "1.00×", "")
	r.row("jobs (GET /healthz, clients built on the first request)", ms(pct(fn, 50)), ms(pct(fn, 100)), fmt.Sprintf("%.2f×", rt), verdict(rt <= 1.5))
	r.row("of which: start to listening (package init)", ms(pct(fnListening, 50)), ms(pct(fnListening, 100)), ratio(float64(pct(fnListening, 50)), float64(pct(hw, 50))), "")
	r.note("%d starts of each, alternating, binaries built before the first start. Deployed, Cloud Run adds the instance's own start (image pull, sandbox) to both alike.", b.c.coldStarts)
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
