package storetest

import (
	"strings"
	"testing"
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
