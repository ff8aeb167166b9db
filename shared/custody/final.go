package custody

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"valet.dev/valet/shared/job"
)

// Secrets destroys a job's secrets; destroying absent ones is not an
// error (a Store, which reads the job's secret layout from j).
type Secrets interface {
	Scrub(ctx context.Context, j *job.Job) error
}

// Scrub destroys the secrets of j when it is final and may still hold some,
// then clears j's SecretsHeld with a SECRETS_SCRUBBED event. It does
// nothing (false, nil) for jobs that are not final or hold nothing. With
// no secrets store it returns an error, so the job stays on the sweep's
// list.
func Scrub(ctx context.Context, store job.Store, secrets Secrets, j *job.Job, now time.Time) (bool, error) {
	if j == nil || !j.State.Final() || !j.SecretsHeld {
		return false, nil
	}
	if secrets == nil {
		return false, errors.New("custody: no secret store configured")
	}
	if err := secrets.Scrub(ctx, j); err != nil {
		return false, err
	}
	_, err := store.Update(ctx, j.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Scrubbed(now)
		return []job.Event{ev}, err
	})
	if errors.Is(err, job.ErrDuplicate) {
		return false, nil
	}
	return err == nil, err
}

// AfterFinal is Scrub for a handler that has already answered for the
// transition: a failure is logged for operators and left to the sweep.
func AfterFinal(ctx context.Context, log *slog.Logger, store job.Store, secrets Secrets, j *job.Job, now time.Time) {
	if _, err := Scrub(ctx, store, secrets, j, now); err != nil {
		log.WarnContext(ctx, "secrets of a final job not scrubbed yet; the sweep retries", "job", j.ID, "error", err)
	}
}
