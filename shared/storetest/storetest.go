// Package storetest runs the conformance suites of the stores. Each domain
// states its store's contract as a list of Cases (jobtest, objecttest,
// projecttest, the API token store's suite), and every implementation of
// that store runs the list with Run against its backend, as go-cloud's
// drivers run drivertest. It has no cloud imports.
package storetest

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"valet.dev/valet/shared/apperr"
)

// Run runs each case as a subtest on the store newStore returns for that
// subtest, one after the other. A case is a named function testXxx of the
// suite's package, and its subtest is named Xxx, as go test names TestXxx.
func Run[S any](t *testing.T, newStore func(t *testing.T) S, cases ...func(t *testing.T, s S)) {
	t.Helper()
	for _, c := range cases {
		name, ok := caseName(c)
		if !ok {
			t.Fatalf("storetest: case %s is not a function named testXxx", name)
		}
		t.Run(name, func(t *testing.T) { c(t, newStore(t)) })
	}
}

// caseName returns Xxx for the function testXxx, and false with the
// function's name for any other function (a closure, an exported one).
func caseName(fn any) (string, bool) {
	full := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	name := full[strings.LastIndex(full, ".")+1:]
	rest, ok := strings.CutPrefix(name, "test")
	if !ok || rest == "" {
		return full, false
	}
	return rest, true
}

// Context returns the context of one test's store calls: cancelled when
// the test ends, and after two minutes so a stuck backend fails the test
// instead of hanging the run.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Concurrently runs call(0) to call(n-1) at once, each in a goroutine of
// its own, and returns their errors, by i, when all have returned: the
// races the suites hold a store to. call reports a failure by returning
// it; a require inside call would end only its own goroutine.
func Concurrently(n int, call func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = call(i) })
	}
	wg.Wait()
	return errs
}

// Codes counts errs by their apperr code, "" for nil: what the calls of a
// race answered, to compare with what the store's contract allows.
func Codes(errs []error) map[apperr.Code]int {
	n := map[apperr.Code]int{}
	for _, err := range errs {
		n[apperr.CodeOf(err)]++
	}
	return n
}

// T0 is the suites' clock origin: whole seconds, so any backend's
// timestamp precision keeps them exact.
var T0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// seq numbers Unique's answers; it starts from the clock, so a store kept
// between runs (an emulator left running) sees new names too.
var seq atomic.Int64

func init() { seq.Store(time.Now().UnixNano() % 1_000_000_000) }

// Unique returns prefix followed by a number no other call returned in this
// process: ids of the suite's own, so its subtests need no empty store.
func Unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }
