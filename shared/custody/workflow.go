package custody

import (
	"context"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/job"
)

// Minter mints a job's workflow token (jobtoken.WorkflowMinter): the token,
// expiring at deadline, and its jti.
type Minter interface {
	Mint(ctx context.Context, jobID, subject string, deadline time.Time) (token, jti string, err error)
}

// Workflow returns the job's workflow token, minting and storing it on
// first use: finalize calls it when the job is queued, dispatch when it
// hands out the auth bundle (in case finalize has not yet). The token is
// the same for every caller and every retry of the job: the secret's
// first version wins. It expires at the job's deadline, and so does its
// secret (or a little later: Secret Manager keeps a secret at least
// secretmanager.MinLifetime). A token minted here is recorded with w (a mint
// whose secret loses the race to another's is recorded too: it was
// minted, though never handed out).
func Workflow(ctx context.Context, c Store, m Minter, j *job.Job, w *audit.Writer) (string, error) {
	if c == nil || m == nil {
		return "", apperr.E(apperr.Unavailable, "workflow tokens are not configured; operators: see the logs")
	}
	if j.Deadline.IsZero() || j.State.Final() {
		return "", apperr.E(apperr.Conflict, "job %s is %s; it has no workflow token", j.ID, j.State)
	}
	return c.Ensure(ctx, j, WorkflowToken, j.Deadline, func() (string, error) {
		token, jti, err := m.Mint(ctx, j.ID.String(), j.RuntimeUser, j.Deadline)
		if err == nil {
			w.Write(ctx, audit.Entry{Space: j.Space(), Action: audit.TokenMinted, Target: "jobs/" + j.ID.String(),
				TokenKind: audit.WorkflowToken, TokenID: jti, ExpiresAt: audit.At(j.Deadline)})
		}
		return token, err
	})
}
