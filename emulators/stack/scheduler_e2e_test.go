package stack_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
)

// TestScheduledSweepTimesOutJobs shows the stack's scheduler at work: a
// queued job whose timeout passes fails without anyone calling the sweep,
// as Cloud Scheduler's job makes it happen deployed (through sweep's front
// door, with the scheduler's token in Authorization).
func TestScheduledSweepTimesOutJobs(t *testing.T) {
	s := startStackWith(t, stack.Options{SweepEvery: 200 * time.Millisecond})
	user := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "sched-user"})}
	workspace := []byte("a workspace that waits too long")
	created := user.submit(s.Info.Functions["jobs"], "example/build", workspace, map[string]any{"timeoutSeconds": 1})
	put(t, created.Upload, workspace)
	jobURL := s.Info.Functions["jobs"] + "/jobs/" + created.Job.ID
	waitForState(t, user, jobURL, "FAILED")
	var j struct {
		Message string `json:"message"`
	}
	user.do(http.MethodGet, jobURL, nil, http.StatusOK, &j)
	require.Contains(t, j.Message, "deadline passed")
}
