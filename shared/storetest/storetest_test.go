package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"valet.dev/valet/shared/apperr"
)

// made counts the stores of TestRunGivesEachCaseAStoreOfItsOwn; ran lists
// the subtests its cases ran in.
var (
	made int
	ran  []string
)

func testFirst(t *testing.T, s *int) { ran = append(ran, t.Name()); *s += 100 }

func testSecond(t *testing.T, s *int) {
	ran = append(ran, t.Name())
	if *s != 2 {
		t.Errorf("second case got store %d, want a new store (2)", *s)
	}
}

func TestRunGivesEachCaseAStoreOfItsOwn(t *testing.T) {
	Run(t, func(t *testing.T) *int { made++; n := made; return &n }, testFirst, testSecond)
	want := []string{t.Name() + "/First", t.Name() + "/Second"}
	if strings.Join(ran, ",") != strings.Join(want, ",") {
		t.Fatalf("ran %v, want %v in order", ran, want)
	}
}

func TestCaseNameTakesTheFunctionsName(t *testing.T) {
	if name, ok := caseName(testFirst); !ok || name != "First" {
		t.Errorf("caseName(testFirst) = %q, %v; want First, true", name, ok)
	}
	for _, fn := range []func(*testing.T, *int){func(*testing.T, *int) {}, notACase} {
		if name, ok := caseName(fn); ok {
			t.Errorf("caseName accepted %s", name)
		}
	}
}

func notACase(*testing.T, *int) {}

func TestUniqueNeverRepeats(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		u := Unique("p-")
		if !strings.HasPrefix(u, "p-") || seen[u] {
			t.Fatalf("Unique returned %q (seen before: %v)", u, seen[u])
		}
		seen[u] = true
	}
}

func TestContextEndsWithTheTest(t *testing.T) {
	var ctx interface{ Err() error }
	t.Run("inner", func(t *testing.T) {
		ctx = Context(t)
		if ctx.Err() != nil {
			t.Fatal("context ended before the test did")
		}
	})
	if ctx.Err() == nil {
		t.Fatal("context still live after its test ended")
	}
}

// Concurrently's calls are all in flight at once (each waits for the
// others to start), and each error comes back at its call's index.
func TestConcurrentlyRunsTheCallsAtOnce(t *testing.T) {
	const n = 5
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var started atomic.Int64
	all := make(chan struct{})
	errs := Concurrently(n, func(i int) error {
		if started.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
		case <-ctx.Done():
			return errors.New("not all calls started: they do not run at once")
		}
		if i%2 == 1 {
			return fmt.Errorf("call %d", i)
		}
		return nil
	})
	if got, want := fmt.Sprint(errs), "[<nil> call 1 <nil> call 3 <nil>]"; got != want {
		t.Fatalf("errors %s, want %s", got, want)
	}
}

func TestCodesCountsEachCode(t *testing.T) {
	got := Codes([]error{nil, apperr.E(apperr.Conflict, "a"), nil, fmt.Errorf("wrapped: %w", apperr.E(apperr.Conflict, "b")), errors.New("plain")})
	want := map[apperr.Code]int{"": 2, apperr.Conflict: 2, apperr.Internal: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Codes = %v, want %v", got, want)
	}
}
