package jobs

import (
	"net/http"
	"time"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer"
)

// upload serves POST /jobs/{id}/upload: a fresh workspace upload URL while
// the job awaits its workspace, valid until the upload deadline and at most
// job.UploadWindow.
func (h *handler) upload(w http.ResponseWriter, r *http.Request) {
	_, j, _, err := h.load(r, access.WriteJob)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if j.State != job.AwaitingWorkspace {
		httpapi.WriteError(w, r, apperr.E(apperr.Conflict, "job %s is %s; its workspace can no longer be uploaded", j.ID, j.State))
		return
	}
	ttl := min(job.UploadWindow, j.UploadDeadline.Sub(h.clock())).Truncate(time.Second)
	if ttl < time.Second {
		httpapi.WriteError(w, r, apperr.E(apperr.Conflict, "the upload window of job %s closed at %s", j.ID, j.UploadDeadline.Format(time.RFC3339)))
		return
	}
	upload, err := h.signUpload(j, ttl)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, uploadResponse{Job: j, Upload: &upload})
}

// signUpload signs the PUT of j's workspace as j declares it. The URL can
// only create the workspace: once one has arrived, replaying the URL gets
// 412, so a queued job's workspace never changes under its dispatcher.
func (h *handler) signUpload(j *job.Job, ttl time.Duration) (signer.URL, error) {
	u, err := h.signer.Upload(h.bucket, job.WorkspaceName(j.ID), signer.UploadOptions{
		ContentType: j.Workspace.ContentType,
		MinBytes:    0,
		MaxBytes:    j.Workspace.SizeBytes,
		MD5:         j.Workspace.MD5,
		TTL:         ttl,
		CreateOnly:  true,
	})
	if err != nil {
		return signer.URL{}, apperr.Wrap(err, apperr.Internal, "the upload URL cannot be signed")
	}
	return u, nil
}
