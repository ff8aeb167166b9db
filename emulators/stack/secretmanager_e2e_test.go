package stack_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/secretmanager"
)

// custodian reads the stack's job secrets the way the functions store them.
func custodian(t *testing.T, s *stack.Stack) *custody.Store {
	t.Helper()
	sm, err := secretmanager.NewClient(context.Background(), secretmanager.EmulatorOptions(s.Info.SecretManager)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sm.Close() })
	return custody.New(sm, s.Info.Project)
}

// A job whose timeout is shorter than Secret Manager's 60 s expiration
// floor still gets its workflow token: finalize stores it when the job is
// queued (the secret outlives the deadline a little, and is scrubbed when
// the job ends), and the worker's auth bundle carries it.
func TestShortTimeoutJobGetsItsWorkflowToken(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	jobsURL, dispatchURL := s.Info.Functions["jobs"], s.Info.Functions["dispatch"]
	user := client{t, mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"}), nil}
	dispatcher := client{t, mint(t, s, oidc.TokenRequest{Sub: s.Info.Dispatchers[0], Email: s.Info.Dispatchers[0], Aud: dispatchURL}), nil}

	workspace := []byte("workspace")
	var created struct {
		Job    jobView   `json:"job"`
		Upload signedURL `json:"upload"`
	}
	user.handout(http.MethodPost, jobsURL+"/jobs", map[string]any{
		"spec": map[string]any{"image": "example/build"}, "workspace": map[string]any{"sizeBytes": len(workspace)},
		"timeoutSeconds": 30,
	}, http.StatusCreated, &created)
	put(t, created.Upload, workspace)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	waitForState(t, user, jobURL, "QUEUED")

	secrets := custodian(t, s)
	require.Eventually(t, func() bool {
		held, err := secrets.Held(ctx, created.Job.ID)
		return err == nil && len(held) == 1
	}, 20*time.Second, 20*time.Millisecond, "finalize stores the workflow token of a job queued with a 30 s timeout")

	var claim struct {
		Lock struct {
			Epoch int64 `json:"epoch"`
		} `json:"lock"`
	}
	dispatcher.do(http.MethodPost, dispatchURL+"/claim", map[string]any{"worker": "e2e"}, http.StatusOK, &claim)
	var bundle struct {
		WorkflowToken string `json:"workflowToken"`
		JobToken      string `json:"jobToken"`
	}
	dispatcher.handout(http.MethodGet, fmt.Sprintf("%s/jobs/%s/auth?epoch=%d", dispatchURL, created.Job.ID, claim.Lock.Epoch), nil, http.StatusOK, &bundle)
	require.NotEmpty(t, bundle.WorkflowToken)
	require.NotEmpty(t, bundle.JobToken)
	stored, err := secrets.Get(ctx, created.Job.ID, custody.WorkflowToken)
	require.NoError(t, err)
	require.Equal(t, stored, bundle.WorkflowToken, "the bundle carries the token finalize stored")
}
