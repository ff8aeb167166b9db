package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// The floors of docs/benchmarks.md, defined in shared/firestore.
const (
	WriteFloor = "BenchmarkFloorOneFirestoreWrite"
	BareFloor  = "BenchmarkFloorBareHandler"
)

// ErrNoFloor is returned when the run lacks the write floor: without it no
// ratio can be computed.
var ErrNoFloor = errors.New("no " + WriteFloor + " result in the input: run the benchmarks of ./shared/firestore " +
	"with FIRESTORE_EMULATOR_HOST set (scripts/bench.sh does), and check it did not skip")

// Machine describes where the run happened.
type Machine struct {
	GOOS, GOARCH string
	CPUs         int
	Model        string
}

// Row is one benchmark's line of the report.
type Row struct {
	Package, Name string
	Runs          int
	MedianNs      float64
	// VsWrite and VsBare are MedianNs divided by each floor's median;
	// VsBare is NaN when the run has no bare floor.
	VsWrite, VsBare float64
	// MedianBytes and MedianAllocs are NaN when not reported.
	MedianBytes, MedianAllocs float64
}

// Rows computes the report's rows: the floors first, then every other
// benchmark in the order of the input.
func Rows(run *Run) ([]Row, error) {
	write := find(run, WriteFloor)
	if write == nil {
		return nil, ErrNoFloor
	}
	writeNs := Median(write.NsPerOp)
	bareNs := math.NaN()
	if bare := find(run, BareFloor); bare != nil {
		bareNs = Median(bare.NsPerOp)
	}
	benchmarks := slices.Clone(run.Benchmarks)
	slices.SortStableFunc(benchmarks, func(a, b *Benchmark) int { return floorRank(a.Name) - floorRank(b.Name) })
	rows := make([]Row, 0, len(benchmarks))
	for _, bm := range benchmarks {
		ns := Median(bm.NsPerOp)
		rows = append(rows, Row{
			Package: bm.Package, Name: bm.Name, Runs: len(bm.NsPerOp), MedianNs: ns,
			VsWrite: ns / writeNs, VsBare: ns / bareNs,
			MedianBytes: Median(bm.BytesPerOp), MedianAllocs: Median(bm.AllocsPerOp),
		})
	}
	return rows, nil
}

func floorRank(name string) int {
	switch name {
	case BareFloor:
		return 0
	case WriteFloor:
		return 1
	}
	return 2
}

func find(run *Run, name string) *Benchmark {
	for _, bm := range run.Benchmarks {
		if bm.Name == name {
			return bm
		}
	}
	return nil
}

// Median is the middle value of xs (the mean of the two middle ones for
// an even count), NaN for none.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// Write renders the Markdown report of run on m at date.
func Write(w io.Writer, run *Run, m Machine, date time.Time) error {
	rows, err := Rows(run)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmark report\n\n")
	fmt.Fprintf(&b, "- date: %s\n", date.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "- machine: %s/%s, %d CPUs, %s\n", m.GOOS, m.GOARCH, m.CPUs, orDash(m.Model))
	fmt.Fprintf(&b, "- floors: %s = %s, %s = %s (medians of this run)\n\n",
		WriteFloor, duration(rows, WriteFloor), BareFloor, duration(rows, BareFloor))
	fmt.Fprintf(&b, "Ratios divide a benchmark's median ns/op by a floor's median in the same run: ")
	fmt.Fprintf(&b, "compare ratios across machines, not raw times.\n\n")
	fmt.Fprintf(&b, "| benchmark | package | runs | median | × one write | × bare handler | B/op | allocs/op |\n")
	fmt.Fprintf(&b, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %s |\n",
			strings.TrimPrefix(r.Name, "Benchmark"), shortPackage(r.Package), r.Runs, formatNs(r.MedianNs),
			ratio(r.VsWrite), ratio(r.VsBare), number(r.MedianBytes), number(r.MedianAllocs))
	}
	if len(run.Failures) > 0 {
		fmt.Fprintf(&b, "\n## Failures\n\nThese lines of the output say some benchmarks did not run:\n\n")
		for _, f := range run.Failures {
			fmt.Fprintf(&b, "    %s\n", f)
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

func duration(rows []Row, name string) string {
	for _, r := range rows {
		if r.Name == name {
			return formatNs(r.MedianNs)
		}
	}
	return "not measured"
}

// shortPackage drops the module path.
func shortPackage(p string) string {
	return strings.TrimPrefix(p, "valet.dev/valet/")
}

// formatNs prints a duration with three significant digits.
func formatNs(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "—"
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

func ratio(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "—"
	case x >= 10:
		return fmt.Sprintf("%.0f", x)
	case x >= 0.01:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprintf("%.4f", x)
}

func number(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return fmt.Sprintf("%.0f", x)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
