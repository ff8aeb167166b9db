package jobs

import (
	"net/http"
	"time"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer"
)

// upload serves POST /jobs/{id}/upload: a fresh workspace upload URL while
// the job awaits its workspace, valid until the upload deadline and at most
// job.UploadWindow. Each URL names a key of its own (job.NewWorkspaceKey,
// in a transaction that checks the caller's rights again): the URLs handed
// out before are retired, and an upload through one of them is deleted.
func (h *handler) upload(w http.ResponseWriter, r *http.Request) error {
	now := h.clock()
	j, err := h.update(r, access.WriteJob, func(_ identity.Principal, j *job.Job) ([]job.Event, error) {
		if j.State != job.AwaitingWorkspace {
			return nil, apperr.E(apperr.Conflict, "job %s is %s; its workspace can no longer be uploaded", j.ID, j.State)
		}
		if !now.Add(time.Second).Before(j.UploadDeadline) {
			return nil, apperr.E(apperr.Conflict, "the upload window of job %s closed at %s", j.ID, j.UploadDeadline.Format(time.RFC3339))
		}
		_, err := j.NewWorkspaceKey(now)
		return nil, err
	})
	if err != nil {
		return err
	}
	upload, err := h.signUpload(j, j.UploadLeft(now))
	if err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.URL(j.Space(), "jobs/"+j.ID.String()+"/workspace", upload.Method, upload.ExpiresAt))
	httpapi.WriteJSON(w, http.StatusOK, uploadResponse{Job: j.View(), Upload: &upload})
	return nil
}

// signUpload signs the PUT of j's workspace as j declares it, at j's open
// workspace key. The URL can only create the workspace: once one has
// arrived, replaying the URL gets 412, so a queued job's workspace never
// changes under its dispatcher; once its object is gone, what a replay
// creates is at a used-up key, and finalize deletes it.
func (h *handler) signUpload(j *job.Job, ttl time.Duration) (signer.URL, error) {
	u, err := h.signer.Upload(h.bucket, job.WorkspaceName(j.ID, j.WorkspaceKey), signer.UploadOptions{
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
