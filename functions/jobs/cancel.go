package jobs

import (
	"errors"
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
)

// cancel serves POST /jobs/{id}/cancel: a job not yet final becomes
// CANCELLED and its secrets are destroyed; cancelling a cancelled job
// answers it again, a job final otherwise is a conflict.
func (h *handler) cancel(w http.ResponseWriter, r *http.Request) error {
	now := h.clock()
	j, err := h.update(r, access.WriteJob, func(p identity.Principal, j *job.Job) ([]job.Event, error) {
		ev, err := j.Cancel(p.ID, now)
		return []job.Event{ev}, err
	})
	switch {
	case errors.Is(err, job.ErrDuplicate): // cancelled before: nothing new to record
	case err != nil:
		return err
	default:
		h.audit.Write(r.Context(), audit.Of(j.Space(), audit.JobCancelled, "jobs/"+j.ID.String()))
	}
	custody.AfterFinal(r.Context(), httpapi.LoggerFrom(r.Context()), h.store, h.secrets, j, now)
	httpapi.WriteJSON(w, http.StatusOK, j.View())
	return nil
}
