package apitest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/audit"
)

// recordingTB is a testing.TB that keeps what is logged and the cleanups.
type recordingTB struct {
	testing.TB
	logged   []string
	cleanups []func()
}

func (r *recordingTB) Log(args ...any)  { r.logged = append(r.logged, fmt.Sprint(args...)) }
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// TestTestLogWritesToTheTestUntilItEnds: each line goes to the test's log,
// without its newline; once the test has ended, lines are dropped.
func TestTestLogWritesToTheTestUntilItEnds(t *testing.T) {
	r := &recordingTB{TB: t}
	w := TestLog(r)
	n, err := w.Write([]byte(`{"message":"audit url.signed"}` + "\n"))
	require.NoError(t, err)
	require.Equal(t, 31, n)
	require.Equal(t, []string{`{"message":"audit url.signed"}`}, r.logged)

	for _, f := range r.cleanups {
		f()
	}
	_, err = w.Write([]byte("late\n"))
	require.NoError(t, err)
	require.Len(t, r.logged, 1, "a line after the test ended is dropped")
}

// TestAuditWritesToTheTestLog: a function's audit lines land in the test's
// log (not on stdout).
func TestAuditWritesToTheTestLog(t *testing.T) {
	r := &recordingTB{TB: t}
	Audit(r).Write(t.Context(), audit.Of("users/alice", audit.ObjectDeleted, "objects/o_1"))
	require.Len(t, r.logged, 1)
	require.Contains(t, r.logged[0], `"audit"`)
}
