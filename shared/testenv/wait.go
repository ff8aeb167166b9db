package testenv

import (
	"testing"
	"time"
)

// WaitUntil polls done until it holds. It waits on state, however loaded
// the machine, and gives up (failing the test with why()) only when the
// test's own deadline (go test -timeout) is a minute away, so that a hang
// still ends with a message rather than a stack dump. Without a deadline
// it gives up after ten minutes.
func WaitUntil(t testing.TB, done func() bool, why func() string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if at, ok := d.Deadline(); ok {
			deadline = at
		}
	}
	deadline = deadline.Add(-time.Minute)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting near the test deadline: %s", why())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
