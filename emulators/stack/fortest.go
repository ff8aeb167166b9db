package stack

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"valet.dev/valet/shared/testenv"
)

// StartTest starts a stack for the test t against the Firestore emulator
// that FIRESTORE_EMULATOR_HOST names (without one t skips, or fails under
// CI), with Pub/Sub in process and a project of its own, prefix and a
// number; ctx bounds the start. The stack's exchanges are checked against
// the OpenAPI document (CheckContract) and it stops when t ends.
func StartTest(ctx context.Context, t testing.TB, prefix string, opts Options) *Stack {
	t.Helper()
	opts.Firestore = testenv.Require(t, "FIRESTORE_EMULATOR_HOST", "the Firestore emulator")
	opts.InProcessPubSub = true
	opts.Project = fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1e9)
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("start the stack: %v", err)
	}
	s.CheckContract(t)
	t.Cleanup(s.Stop)
	return s
}

// WriteTestInfo writes the stack's description (WriteInfo) to a file in a
// directory of t's and returns its path, for VALET_STACK.
func (s *Stack) WriteTestInfo(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stack.json")
	if err := WriteInfo(path, s.Info); err != nil {
		t.Fatalf("write the stack's description: %v", err)
	}
	return path
}
