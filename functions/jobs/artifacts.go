package jobs

import (
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer"
)

// output serves GET /jobs/{id}/output.
func (h *handler) output(w http.ResponseWriter, r *http.Request) error {
	return h.download(w, r, job.OutputKind, "output.tar")
}

// attestation serves GET /jobs/{id}/attestation.
func (h *handler) attestation(w http.ResponseWriter, r *http.Request) error {
	return h.download(w, r, job.AttestationKind, "attestation.json")
}

// download answers a GET URL of the job's artifact of kind, once present.
func (h *handler) download(w http.ResponseWriter, r *http.Request, kind job.Kind, fileName string) error {
	_, j, _, err := h.load(r, access.ReadJob)
	if err != nil {
		return err
	}
	art := j.Output
	if kind == job.AttestationKind {
		art = j.Attestation
	}
	if !art.Present {
		return apperr.E(apperr.Conflict, "job %s has no %s yet (it is %s)", j.ID, kind, j.State)
	}
	u, err := h.signer.Download(h.bucket, job.ArtifactName(j.ID, kind, art.Epoch), signer.DownloadOptions{
		TTL:                job.DownloadWindow,
		ContentDisposition: `attachment; filename="` + fileName + `"`,
	})
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "the download URL cannot be signed")
	}
	h.audit.Write(r.Context(), audit.URL(j.Space(), "jobs/"+j.ID.String()+"/"+string(kind), http.MethodGet, u.ExpiresAt))
	httpapi.WriteJSON(w, http.StatusOK, u.Link())
	return nil
}
