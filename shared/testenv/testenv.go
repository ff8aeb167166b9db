// Package testenv decides what a test does when an emulator it needs is not
// running: on a laptop it skips with the reason, under CI (CI=true) it fails,
// so a CI run can never pass by skipping the emulator-backed tests. It also
// holds what tests of many packages share about time: a settable Clock and
// WaitUntil, which waits on state until near the test's deadline.
package testenv

import (
	"os"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Require returns the value of the environment variable that points at an
// emulator, or skips the test (fails it under CI) when it is unset.
func Require(t testing.TB, envVar, what string) string {
	t.Helper()
	v := os.Getenv(envVar)
	if v == "" {
		Missing(t, what+" is not running ("+envVar+" is unset); run the tests with `make test`")
	}
	return v
}

// Missing skips the test with reason, or fails it under CI.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true but %s", reason)
	}
	t.Skip(reason)
}
