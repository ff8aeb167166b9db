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
func (s *server) heartbeat(w http.ResponseWriter, r *http.Request) error {
	var req heartbeatRequest
	id, epoch, err := decodeHolderCall(r, &req, &req.Epoch)
	if err != nil {
		return err
	}
	d, err := lease(req.LeaseSeconds)
	if err != nil {
		return err
	}
	who, now := holder(r), s.now()
	j, err := s.store.Update(r.Context(), id, func(j *job.Job) ([]job.Event, error) {
		return nil, j.Heartbeat(who, epoch, d, now)
	})
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, heartbeatResponse{Lock: viewLock(j)})
	return nil
}

type stateRequest struct {
	Epoch   *int64    `json:"epoch"`
	State   job.State `json:"state"`
	Message string    `json:"message"`
}

// state serves POST /jobs/{id}/state: the holder reports RUNNING, FAILED
// or QUEUED (hand the job back). Repeating RUNNING answers the job as is.
func (s *server) state(w http.ResponseWriter, r *http.Request) error {
	var req stateRequest
	id, epoch, err := decodeHolderCall(r, &req, &req.Epoch)
	if err != nil {
		return err
	}
	switch req.State {
	case job.Running, job.Failed, job.Queued:
	case "":
		return apperr.E(apperr.Invalid, "state is required: RUNNING, FAILED or QUEUED")
	default:
		return apperr.E(apperr.Invalid, "state must be RUNNING, FAILED or QUEUED")
	}
	if err := checkText("message", req.Message, MaxMessageLen); err != nil {
		return err
	}
	message := logging.DefaultMasker.Mask(req.Message)
	who, now := holder(r), s.now()
	j, err := s.store.Update(r.Context(), id, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Report(who, epoch, req.State, message, now)
		return []job.Event{ev}, err
	})
	if err != nil && !errors.Is(err, job.ErrDuplicate) {
		return err
	}
	custody.AfterFinal(r.Context(), httpapi.LoggerFrom(r.Context()), s.store, s.secrets, j, now)
	httpapi.WriteJSON(w, http.StatusOK, j.View())
	return nil
}
