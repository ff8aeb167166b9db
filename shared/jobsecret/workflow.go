package jobsecret

import (
	"context"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/workflow"
)

// minSecretLife is the shortest lifetime a workflow-token secret is given.
const minSecretLife = time.Minute

// Workflow returns the job's workflow token, minting and storing it on
// first use: finalize calls it when the job is queued, dispatch when it
// hands out the auth bundle (in case finalize has not yet). The token is
// the same for every caller and every retry of the job: the secret's
// first version wins. It expires at the job's deadline, and so does its
// secret (at least minSecretLife from now).
func Workflow(ctx context.Context, c *custody.Store, m *workflow.Minter, j *job.Job) (string, error) {
	if c == nil || m == nil {
		return "", apperr.E(apperr.Unavailable, "workflow tokens are not configured; operators: see the logs")
	}
	if j.Deadline.IsZero() || j.State.Final() {
		return "", apperr.E(apperr.Conflict, "job %s is %s; it has no workflow token", j.ID, j.State)
	}
	// Secret Manager refuses an expiry in the past: a job whose deadline is
	// only moments away keeps its secret a little longer; its scrub
	// deletes it anyway.
	expireAt := j.Deadline
	if floor := time.Now().Add(minSecretLife); expireAt.Before(floor) {
		expireAt = floor
	}
	return c.Ensure(ctx, j.ID, custody.WorkflowToken, expireAt, func() (string, error) {
		token, _, err := m.Mint(ctx, j.ID, j.RuntimeUser, j.Deadline)
		return token, err
	})
}
