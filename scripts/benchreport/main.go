// Command benchreport turns `go test -bench` output (stdin) into a Markdown
// report (stdout): the median ns/op of each benchmark over its -count runs,
// its ratio to the floors measured in the same run
// (BenchmarkFloorOneFirestoreWrite and BenchmarkFloorBareHandler), its
// allocations, the machine and the date. scripts/bench.sh runs it; see
// docs/benchmarks.md.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

func main() {
	run, err := Parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if err := Write(os.Stdout, run, machine(run), time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// machine describes this machine, preferring what the run itself recorded.
func machine(run *Run) Machine {
	m := Machine{GOOS: run.GOOS, GOARCH: run.GOARCH, CPUs: runtime.NumCPU(), Model: lscpuModel()}
	if m.GOOS == "" {
		m.GOOS = runtime.GOOS
	}
	if m.GOARCH == "" {
		m.GOARCH = runtime.GOARCH
	}
	if m.Model == "" {
		m.Model = run.CPU
	}
	return m
}

// lscpuModel is lscpu's "Model name", or "" where lscpu is missing.
func lscpuModel() string {
	out, err := exec.Command("lscpu").Output()
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(out), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "Model name:"); ok {
			return strings.TrimSpace(name)
		}
	}
	return ""
}
