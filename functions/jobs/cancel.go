package jobs

import (
	"errors"
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
)

// cancel serves POST /jobs/{id}/cancel: a job not yet final becomes
// CANCELLED; cancelling a cancelled job answers it again, a job final
// otherwise is a conflict.
func (h *handler) cancel(w http.ResponseWriter, r *http.Request) {
	p, err := caller(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	id, err := jobID(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	j, err := h.store.Update(r.Context(), string(id), func(j *job.Job) ([]job.Event, error) {
		if err := authorize(p, access.WriteJob, j); err != nil {
			return nil, err
		}
		ev, err := j.Cancel(p.ID, h.clock())
		if err != nil {
			return nil, err
		}
		return []job.Event{ev}, nil
	})
	switch {
	case errors.Is(err, job.ErrDuplicate):
	case apperr.CodeOf(err) == apperr.NotFound:
		httpapi.WriteError(w, r, notFound(id))
		return
	case err != nil:
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, j)
}
