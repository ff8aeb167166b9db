package jobs

import (
	"errors"
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobsecret"
)

// cancel serves POST /jobs/{id}/cancel: a job not yet final becomes
// CANCELLED and its secrets are destroyed; cancelling a cancelled job
// answers it again, a job final otherwise is a conflict. The project role
// looked up first is checked again inside the transaction (a job's project
// never changes).
func (h *handler) cancel(w http.ResponseWriter, r *http.Request) {
	p, found, role, err := h.load(r, access.WriteJob)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	now := h.clock()
	j, err := h.store.Update(r.Context(), found.ID, func(j *job.Job) ([]job.Event, error) {
		if err := authorize(p, access.WriteJob, j, role); err != nil {
			return nil, err
		}
		ev, err := j.Cancel(p.ID, now)
		if err != nil {
			return nil, err
		}
		return []job.Event{ev}, nil
	})
	switch {
	case errors.Is(err, job.ErrDuplicate): // cancelled before: nothing new to record
	case err == nil:
		h.audit.Write(r.Context(), audit.Of(access.JobSpace(j), audit.JobCancelled, "jobs/"+j.ID))
	case apperr.CodeOf(err) == apperr.NotFound:
		httpapi.WriteError(w, r, notFound(ids.JobID(found.ID)))
		return
	case err != nil:
		httpapi.WriteError(w, r, err)
		return
	}
	jobsecret.AfterFinal(r.Context(), httpapi.LoggerFrom(r.Context()), h.store, h.secrets, j, now)
	httpapi.WriteJSON(w, http.StatusOK, j)
}
