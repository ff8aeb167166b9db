package finalize

import (
	"context"
	"errors"
	"log/slog"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// jobObject applies an object of the jobs bucket, arrived as a, to its
// job.
//
// Acknowledged without effect (besides the malformed bodies HandleEvent
// acknowledges): names valet never hands out, and jobs that do not exist (their object is left alone: it is
// private, unreachable without a signed URL, and the bucket's lifecycle rule
// removes it; deleting on a missing job would race a job being created).
func (h *Handler) jobObject(ctx context.Context, log *slog.Logger, obj StorageObject, a job.Arrival) error {
	name, kind, epoch, ok := job.ParseObjectName(obj.Name)
	if !ok {
		log.WarnContext(ctx, "ignoring object with a name valet did not hand out")
		return nil
	}
	id, err := ids.ParseJobID(name)
	if err != nil {
		log.WarnContext(ctx, "ignoring object whose job id is malformed")
		return nil
	}
	a.Epoch = epoch

	var rejected bool
	j, err := h.opts.Store.Update(ctx, id, func(j *job.Job) ([]job.Event, error) {
		var events []job.Event
		var err error
		if kind == job.WorkspaceKind {
			events, rejected, err = j.WorkspaceArrived(a, h.opts.Now())
		} else {
			events, rejected, err = j.ArtifactArrived(kind, a, h.opts.Now())
		}
		return events, err
	})
	switch {
	case errors.Is(err, job.ErrDuplicate) && rejected:
		log.InfoContext(ctx, "upload at a used-up key, or a redelivery of a rejected one; deleting it, nothing recorded", "job", id, "kind", kind)
	case errors.Is(err, job.ErrDuplicate):
		log.InfoContext(ctx, "duplicate finalize event; nothing to do", "job", id, "kind", kind)
		return h.secrets(ctx, log, j)
	case err != nil:
		return h.failed(ctx, log.With("job", id, "kind", kind), err)
	}
	if !rejected {
		log.InfoContext(ctx, "object recorded", "job", id, "kind", kind, "state", j.State)
		return h.secrets(ctx, log, j)
	}
	// The UPLOAD_REJECTED event is committed; now remove that generation
	// (never a newer one). A redelivery deletes it again (a no-op once it
	// is gone) without another event.
	if err := h.opts.Objects.Delete(ctx, obj.Bucket, obj.Name, a.Generation); err != nil {
		log.ErrorContext(ctx, "could not delete a rejected upload; retrying", "job", id, "kind", kind, "error", err)
		return err
	}
	log.InfoContext(ctx, "rejected upload deleted", "job", id, "kind", kind)
	return nil
}

// failed decides between retry and acknowledgement for a store error:
// transient failures (Unavailable, ResourceExhausted) are returned for
// Eventarc to retry; a missing job or a refused transition never gets
// better and is acknowledged.
func (h *Handler) failed(ctx context.Context, log *slog.Logger, err error) error {
	switch apperr.CodeOf(err) {
	case apperr.Unavailable, apperr.ResourceExhausted:
		return retryLater(ctx, log, err)
	case apperr.NotFound:
		log.WarnContext(ctx, "ignoring object of a job that does not exist")
		return nil
	}
	log.ErrorContext(ctx, "finalize event could not be applied; acknowledged", "error", err)
	return nil
}

// secrets keeps the job's secrets in step with its state: a queued or
// running job gets its workflow token (a redelivery retries a failed
// mint), a final one has its secrets scrubbed (left to the sweep on
// failure). Without Secrets and Workflow it does nothing (see Options).
func (h *Handler) secrets(ctx context.Context, log *slog.Logger, j *job.Job) error {
	if h.opts.Secrets == nil || h.opts.Workflow == nil || j == nil {
		return nil
	}
	if j.State.Final() {
		custody.AfterFinal(ctx, log, h.opts.Store, h.opts.Secrets, j, h.opts.Now())
		return nil
	}
	if j.State == job.AwaitingWorkspace {
		return nil
	}
	if _, err := custody.Workflow(ctx, h.opts.Secrets, h.opts.Workflow, j, h.opts.Audit); err != nil {
		log.WarnContext(ctx, "workflow token not stored; the event will be retried", "job", j.ID, "error", err)
		return err
	}
	// The job may have ended while the token was minted, after its scrub:
	// scrub again so nothing outlives it.
	now, err := h.opts.Store.Get(ctx, j.ID)
	if err == nil && now.State.Final() {
		if err := h.opts.Secrets.Scrub(ctx, now); err != nil {
			log.WarnContext(ctx, "secrets of a job that ended meanwhile not scrubbed; the sweep retries", "job", j.ID, "error", err)
		}
	}
	return nil
}
