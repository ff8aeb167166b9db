package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
goarch: amd64
pkg: valet.dev/valet/shared/firestore
cpu: AMD EPYC
BenchmarkFloorBareHandler-2         	     100	     80000 ns/op	    4782 B/op	      55 allocs/op
BenchmarkFloorBareHandler-2         	     100	     90000 ns/op	    4790 B/op	      55 allocs/op
BenchmarkFloorBareHandler-2         	     100	    100000 ns/op	    4800 B/op	      55 allocs/op
BenchmarkFloorOneFirestoreWrite-2   	     100	   7000000 ns/op	   16848 B/op	     238 allocs/op
BenchmarkFloorOneFirestoreWrite-2   	     100	   5000000 ns/op	   16848 B/op	     240 allocs/op
BenchmarkFloorOneFirestoreWrite-2   	     100	   6000000 ns/op	   16848 B/op	     239 allocs/op
PASS
ok  	valet.dev/valet/shared/firestore	2.643s
goos: linux
goarch: amd64
pkg: valet.dev/valet/functions/jobs
cpu: AMD EPYC
BenchmarkCreate
    create_bench_test.go:12: some log line
BenchmarkCreate-2   	     200	  12000000 ns/op
BenchmarkCreate-2
2026/11/23 12:37:03 INFO request status=201
     200	  18000000 ns/op
BenchmarkCreate-2   	{"severity":"INFO","message":"audit url.signed","audit":{"action":"url.signed"}}
     200	  15000000 ns/op
BenchmarkSeal/x25519-2 	 50	 300000 ns/op	 11856 B/op	 105 allocs/op	 3.5 MB/s
--- FAIL: BenchmarkBroken
FAIL	valet.dev/valet/functions/dispatch	1.0s
`

func TestParse(t *testing.T) {
	run, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	require.Equal(t, "linux", run.GOOS)
	require.Equal(t, "amd64", run.GOARCH)
	require.Equal(t, "AMD EPYC", run.CPU)
	require.Len(t, run.Benchmarks, 4)

	bare := run.Benchmarks[0]
	require.Equal(t, "valet.dev/valet/shared/firestore", bare.Package)
	require.Equal(t, "BenchmarkFloorBareHandler", bare.Name)
	require.Equal(t, []float64{80000, 90000, 100000}, bare.NsPerOp)
	require.Equal(t, []float64{55, 55, 55}, bare.AllocsPerOp)

	create := run.Benchmarks[2]
	require.Equal(t, "valet.dev/valet/functions/jobs", create.Package)
	require.Equal(t, []float64{12e6, 18e6, 15e6}, create.NsPerOp, "a JSON log line after the name (an audit line on stdout) does not hide the result")
	require.Empty(t, create.AllocsPerOp, "allocations were not reported")

	require.Equal(t, "BenchmarkSeal/x25519", run.Benchmarks[3].Name, "sub-benchmark keeps its path, loses -GOMAXPROCS")
	require.Equal(t, []string{"--- FAIL: BenchmarkBroken", "FAIL\tvalet.dev/valet/functions/dispatch\t1.0s"}, run.Failures)
}

func TestParseRejectsAResultWithoutNsPerOp(t *testing.T) {
	_, err := Parse(strings.NewReader("BenchmarkX-2 \t 10 \t 5 B/op\n"))
	require.ErrorContains(t, err, "no ns/op")
	_, err = Parse(strings.NewReader("BenchmarkX-2 \t 10 \t fast ns/op\n"))
	require.ErrorContains(t, err, `"fast" is not a number`)
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 1, 1000}, 10}, // an outlier does not move it
	} {
		require.Equal(t, c.want, Median(c.in), "%v", c.in)
	}
	require.True(t, math.IsNaN(Median(nil)))
}

func TestRowsAreRatiosToTheFloorsOfTheSameRun(t *testing.T) {
	run, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	rows, err := Rows(run)
	require.NoError(t, err)
	require.Equal(t, "BenchmarkFloorBareHandler", rows[0].Name)
	require.Equal(t, "BenchmarkFloorOneFirestoreWrite", rows[1].Name)

	write := rows[1]
	require.Equal(t, 6e6, write.MedianNs)
	require.Equal(t, 1.0, write.VsWrite)
	require.InDelta(t, 6e6/9e4, write.VsBare, 1e-9)
	require.Equal(t, 239.0, write.MedianAllocs)

	create := rows[2]
	require.Equal(t, "BenchmarkCreate", create.Name)
	require.Equal(t, 15e6, create.MedianNs)
	require.Equal(t, 2.5, create.VsWrite)
	require.True(t, math.IsNaN(create.MedianAllocs))
}

func TestRowsWithoutBareFloor(t *testing.T) {
	run, err := Parse(strings.NewReader("BenchmarkFloorOneFirestoreWrite-2 1 100 ns/op\nBenchmarkX-2 1 50 ns/op\n"))
	require.NoError(t, err)
	rows, err := Rows(run)
	require.NoError(t, err)
	require.Equal(t, 0.5, rows[1].VsWrite)
	require.True(t, math.IsNaN(rows[1].VsBare))
}

func TestMissingWriteFloorIsAClearError(t *testing.T) {
	run, err := Parse(strings.NewReader("BenchmarkFloorBareHandler-2 1 100 ns/op\nBenchmarkX-2 1 50 ns/op\n"))
	require.NoError(t, err)
	var out bytes.Buffer
	err = Write(&out, run, Machine{}, time.Now())
	require.ErrorIs(t, err, ErrNoFloor)
	require.ErrorContains(t, err, "FIRESTORE_EMULATOR_HOST")
	require.Empty(t, out.String(), "no half report")
}

func TestWrite(t *testing.T) {
	run, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	var out bytes.Buffer
	date := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	require.NoError(t, Write(&out, run, Machine{GOOS: "linux", GOARCH: "amd64", CPUs: 2, Model: "AMD EPYC"}, date))
	report := out.String()
	for _, want := range []string{
		"- date: 2026-11-23T12:00:00Z",
		"- machine: linux/amd64, 2 CPUs, AMD EPYC",
		"| FloorOneFirestoreWrite | shared/firestore | 3 | 6 ms | 1.00 | 67 | 16848 | 239 |",
		"| Create | functions/jobs | 3 | 15 ms | 2.50 | 167 | — | — |",
		"--- FAIL: BenchmarkBroken",
	} {
		require.Contains(t, report, want)
	}
}
