package dispatch

import (
	"errors"
	"net/http"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/logging"
)

type heartbeatRequest struct {
	Epoch        *int64 `json:"epoch"`
	LeaseSeconds *int64 `json:"leaseSeconds"`
}

type heartbeatResponse struct {
	Lock lockView `json:"lock"`
}

// heartbeat serves POST /jobs/{id}/heartbeat: the holder extends its lease.
func (s *server) heartbeat(w http.ResponseWriter, r *http.Request) {
	var req heartbeatRequest
	id, epoch, err := decodeHolderCall(r, &req, &req.Epoch)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	d, err := lease(req.LeaseSeconds)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	who, now := holder(r), s.now()
	j, err := s.store.Update(r.Context(), id, func(j *job.Job) ([]job.Event, error) {
		return nil, j.Heartbeat(who, epoch, d, now)
	})
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, heartbeatResponse{Lock: viewLock(j)})
}

type stateRequest struct {
	Epoch   *int64    `json:"epoch"`
	State   job.State `json:"state"`
	Message string    `json:"message"`
}

// state serves POST /jobs/{id}/state: the holder reports RUNNING, FAILED
// or QUEUED (hand the job back). Repeating RUNNING answers the job as is.
func (s *server) state(w http.ResponseWriter, r *http.Request) {
	var req stateRequest
	id, epoch, err := decodeHolderCall(r, &req, &req.Epoch)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	switch req.State {
	case job.Running, job.Failed, job.Queued:
	case "":
		httpapi.WriteError(w, r, apperr.E(apperr.Invalid, "state is required: RUNNING, FAILED or QUEUED"))
		return
	default:
		httpapi.WriteError(w, r, apperr.E(apperr.Invalid, "state must be RUNNING, FAILED or QUEUED"))
		return
	}
	if err := checkText("message", req.Message, MaxMessageLen); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	message := logging.DefaultMasker.Mask(req.Message)
	who, now := holder(r), s.now()
	j, err := s.store.Update(r.Context(), id, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Report(who, epoch, req.State, message, now)
		return []job.Event{ev}, err
	})
	if err != nil && !errors.Is(err, job.ErrDuplicate) {
		httpapi.WriteError(w, r, err)
		return
	}
	custody.AfterFinal(r.Context(), httpapi.LoggerFrom(r.Context()), s.store, s.secrets, j, now)
	httpapi.WriteJSON(w, http.StatusOK, j.View())
}
