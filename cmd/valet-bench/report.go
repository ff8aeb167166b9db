package main

import (
	"fmt"
	"io"
	"math"
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
	fmt.Fprintf(r.out, "## Load figures\n\n- date: %s\n- machine: %s/%s, %d CPUs, %s\n- local stack: Firestore emulator, in-process Pub/Sub, signBlob latency %s\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), model, b.c.signLatency)
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
