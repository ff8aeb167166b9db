package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Run is everything one `go test -bench` output holds that the report uses.
type Run struct {
	// GOOS, GOARCH and CPU are the first goos:, goarch: and cpu: headers.
	GOOS, GOARCH, CPU string
	// Benchmarks in the order they first appear.
	Benchmarks []*Benchmark
	// Failures are the FAIL and --- FAIL lines, so a report never hides a
	// package whose benchmarks did not run.
	Failures []string
}

// Benchmark is every sample of one benchmark (one per -count).
type Benchmark struct {
	Package string
	Name    string // without the -GOMAXPROCS suffix
	NsPerOp []float64
	// BytesPerOp and AllocsPerOp are present when the benchmark reported
	// allocations (b.ReportAllocs or -benchmem).
	BytesPerOp  []float64
	AllocsPerOp []float64
}

// Parse reads `go test -bench` output. Lines it does not know are skipped;
// a benchmark line it cannot read is an error naming the line.
func Parse(r io.Reader) (*Run, error) {
	run := &Run{}
	byKey := map[string]*Benchmark{}
	pkg := ""
	pending := "" // a benchmark name printed alone: its result follows its log lines
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: ")
		case strings.HasPrefix(line, "goos: "):
			setOnce(&run.GOOS, strings.TrimPrefix(line, "goos: "))
		case strings.HasPrefix(line, "goarch: "):
			setOnce(&run.GOARCH, strings.TrimPrefix(line, "goarch: "))
		case strings.HasPrefix(line, "cpu: "):
			setOnce(&run.CPU, strings.TrimSpace(strings.TrimPrefix(line, "cpu: ")))
		case strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "FAIL"):
			run.Failures = append(run.Failures, line)
		case strings.HasPrefix(line, "Benchmark"), pending != "" && startsWithDigit(line) && strings.Contains(line, "ns/op"):
			fields := strings.Fields(line)
			if len(fields) == 1 {
				pending = fields[0] // the name alone, before the benchmark's log
				continue
			}
			if startsWithDigit(line) {
				fields = append([]string{pending}, fields...)
			}
			pending = ""
			if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
				if strings.HasPrefix(line, "Benchmark") && strings.HasPrefix(fields[1], "{") {
					// The name, then a JSON log line the benchmark's code
					// wrote to stdout: its result follows on the next line.
					pending = fields[0]
				}
				continue // log output of a benchmark, not a result line
			}
			name, res, err := parseResult(fields)
			if err != nil {
				return nil, fmt.Errorf("line %d %q: %w", n, line, err)
			}
			key := pkg + "\x00" + name
			bm := byKey[key]
			if bm == nil {
				bm = &Benchmark{Package: pkg, Name: name}
				byKey[key] = bm
				run.Benchmarks = append(run.Benchmarks, bm)
			}
			bm.NsPerOp = append(bm.NsPerOp, res.ns)
			if res.hasAllocs {
				bm.BytesPerOp = append(bm.BytesPerOp, res.bytes)
				bm.AllocsPerOp = append(bm.AllocsPerOp, res.allocs)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading benchmark output: %w", err)
	}
	return run, nil
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

type result struct {
	ns, bytes, allocs float64
	hasAllocs         bool
}

// parseResult reads "BenchmarkX-8 N v ns/op [v B/op] [v allocs/op] [v unit]...".
func parseResult(fields []string) (string, result, error) {
	name := trimProcs(fields[0])
	var s result
	hasNs, hasBytes := false, false
	for i := 2; i+1 < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return "", s, fmt.Errorf("value %q is not a number", fields[i])
		}
		switch fields[i+1] {
		case "ns/op":
			s.ns, hasNs = v, true
		case "B/op":
			s.bytes, hasBytes = v, true
		case "allocs/op":
			s.allocs, s.hasAllocs = v, true
		}
	}
	if !hasNs {
		return "", s, fmt.Errorf("no ns/op value")
	}
	s.hasAllocs = s.hasAllocs && hasBytes
	return name, s, nil
}

// trimProcs drops the -GOMAXPROCS suffix go test adds to a name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}
