package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report prints the figures as Markdown, one table per figure.
type report struct {
	out io.Writer
}

func (r *report) header(b *bench) {
	model := ""
	if out, err := exec.Command("lscpu").Output(); err == nil {
		for line := range strings.SplitSeq(string(out), "\n") {
			if name, ok := strings.CutPrefix(strings.TrimSpace(line), "Model name:"); ok {
				model = strings.TrimSpace(name)
			}
		}
	}
	fmt.Fprintf(r.out, "## Load figures\n\n- date: %s\n- machine: %s/%s, %d CPUs, %s\n- machine load at the start: %s\n- local stack: Firestore emulator, in-process Pub/Sub, signBlob latency %s\n- the stack's log and audit lines: %s (not in this report)\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, loadAverage(), b.c.signLatency, b.c.logs)
}

// footer closes the report with the machine's load at the end.
func (r *report) footer() {
	fmt.Fprintf(r.out, "- machine load at the end: %s\n", loadAverage())
}

// loadAverage is the 1, 5 and 15 minute load averages (/proc/loadavg, as
// uptime prints them): the other work the figures ran beside.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return "load average " + strings.Join(f[:3], ", ")
	}
	return "unknown (no /proc/loadavg)"
}

// table starts a figure's table.
func (r *report) table(title string, cols ...string) {
	fmt.Fprintf(r.out, "### %s\n\n| %s |\n|%s\n", title, strings.Join(cols, " | "), strings.Repeat("---|", len(cols)))
}

func (r *report) row(cells ...string) {
	fmt.Fprintf(r.out, "| %s |\n", strings.Join(cells, " | "))
}

func (r *report) note(format string, args ...any) {
	fmt.Fprintf(r.out, "\n"+format+"\n\n", args...)
}

// pct is the p-th percentile (nearest rank) of ds.
func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func ratio(a, b float64) string {
	if b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }
