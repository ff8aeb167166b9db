package dispatch

import (
	"net/http"
	"strings"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/seal"
)

type claimRequest struct {
	Worker       string `json:"worker"`
	LeaseSeconds *int64 `json:"leaseSeconds"`
	SealTo       string `json:"sealTo"`
	SingleUse    bool   `json:"singleUse"`
}

type claimResponse struct {
	Job  job.View `json:"job"`
	Lock lockView `json:"lock"`
}

// claim serves POST /claim: the oldest queued job under a new epoch, or 204.
func (s *server) claim(w http.ResponseWriter, r *http.Request) {
	var req claimRequest
	if err := httpapi.Decode(r, &req); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if strings.TrimSpace(req.Worker) == "" {
		httpapi.WriteError(w, r, apperr.E(apperr.Invalid, "worker is required: a name for the machine that runs the job"))
		return
	}
	if err := checkText("worker", req.Worker, MaxWorkerLen); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if req.SealTo != "" {
		if _, err := seal.ParsePublicKey(req.SealTo); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
	}
	d, err := lease(req.LeaseSeconds)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	c := job.Claimant{Holder: holder(r), Worker: req.Worker, Lease: d, SealTo: req.SealTo, SingleUse: req.SingleUse}
	j, err := s.store.ClaimNext(r.Context(), c, s.now())
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if j == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, claimResponse{Job: j.View(), Lock: viewLock(j)})
}
