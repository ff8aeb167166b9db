package dispatch

import (
	"net/http"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer"
)

// Content types and size limits of the artifacts a job uploads.
const (
	OutputContentType      = "application/x-tar"
	MaxOutputBytes         = 5 << 30
	AttestationContentType = "application/json"
	MaxAttestationBytes    = 1 << 20
)

// download is the workspace's signed GET.
type download struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// upload is an artifact's signed PUT: the URL and the headers to send.
type upload struct {
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

type authBundle struct {
	Workspace   download `json:"workspace"`
	Output      upload   `json:"output"`
	Attestation upload   `json:"attestation"`
}

// auth serves GET /jobs/{id}/auth?epoch=N: the signed URLs of the job, for
// the lock holder at epoch N only. The bundle is signed URLs: it is never
// logged nor stored.
func (s *server) auth(w http.ResponseWriter, r *http.Request) {
	id, err := jobID(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	epoch, err := queryEpoch(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	j, err := s.store.Get(r.Context(), id)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	now := s.now()
	if err := j.CheckLock(holder(r), epoch, now); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	bundle, err := s.bundle(j, now)
	if err != nil {
		httpapi.WriteError(w, r, apperr.Wrap(err, apperr.Internal, "the job's URLs could not be signed; retry later"))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, bundle)
}

// bundle signs the workspace GET and the output and attestation PUTs, each
// valid until the job's deadline (at least 1 s, at most signer.MaxTTL).
func (s *server) bundle(j *job.Job, now time.Time) (authBundle, error) {
	ttl := untilDeadline(j, now)
	ws, err := s.signer.Download(s.bucket, job.ObjectName(j.ID, job.WorkspaceKind), signer.DownloadOptions{TTL: ttl})
	if err != nil {
		return authBundle{}, err
	}
	out, err := s.signer.Upload(s.bucket, job.ObjectName(j.ID, job.OutputKind), signer.UploadOptions{
		ContentType: OutputContentType, MinBytes: 0, MaxBytes: MaxOutputBytes, TTL: ttl,
	})
	if err != nil {
		return authBundle{}, err
	}
	att, err := s.signer.Upload(s.bucket, job.ObjectName(j.ID, job.AttestationKind), signer.UploadOptions{
		ContentType: AttestationContentType, MinBytes: 0, MaxBytes: MaxAttestationBytes, TTL: ttl,
	})
	if err != nil {
		return authBundle{}, err
	}
	return authBundle{
		Workspace:   download{URL: ws.URL, ExpiresAt: ws.ExpiresAt},
		Output:      upload{URL: out.URL, Headers: out.Headers, ExpiresAt: out.ExpiresAt},
		Attestation: upload{URL: att.URL, Headers: att.Headers, ExpiresAt: att.ExpiresAt},
	}, nil
}

// untilDeadline is the lifetime of the bundle's URLs: up to the job's
// deadline in whole seconds, within [1 s, signer.MaxTTL].
func untilDeadline(j *job.Job, now time.Time) time.Duration {
	deadline := j.Deadline
	if deadline.IsZero() {
		deadline = now.Add(job.DefaultTimeout)
	}
	ttl := deadline.Sub(now).Truncate(time.Second)
	return min(max(ttl, time.Second), signer.MaxTTL)
}
