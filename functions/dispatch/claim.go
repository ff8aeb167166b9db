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
func (s *server) claim(w http.ResponseWriter, r *http.Request) error {
	var req claimRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Worker) == "" {
		return apperr.E(apperr.Invalid, "worker is required: a name for the machine that runs the job")
	}
	if err := checkText("worker", req.Worker, MaxWorkerLen); err != nil {
		return err
	}
	if req.SealTo != "" {
		if _, err := seal.ParsePublicKey(req.SealTo); err != nil {
			return err
		}
	}
	d, err := lease(req.LeaseSeconds)
	if err != nil {
		return err
	}
	c := job.Claimant{Holder: holder(r), Worker: req.Worker, Lease: d, SealTo: req.SealTo, SingleUse: req.SingleUse}
	j, err := s.store.ClaimNext(r.Context(), c, s.now())
	if err != nil {
		return err
	}
	if j == nil {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	httpapi.WriteJSON(w, http.StatusOK, claimResponse{Job: j.View(), Lock: viewLock(j)})
	return nil
}
