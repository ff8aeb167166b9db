package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/mediatype"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/signer"
)

// Limits of POST /jobs.
const (
	maxCreateBodyBytes = 64 << 10
	maxWorkspaceBytes  = 5 << 30
	defaultContentType = "application/x-tar"
	maxLabels          = 32
	maxLabelLen        = 63
	maxReuseCandidates = 20
)

// createRequest is the body of POST /jobs.
type createRequest struct {
	Project            string            `json:"project"`
	Spec               json.RawMessage   `json:"spec"`
	TimeoutSeconds     *int64            `json:"timeoutSeconds"`
	Workspace          *workspaceRequest `json:"workspace"`
	RuntimeToken       string            `json:"runtimeToken"` // a secret: never echoed, never logged
	Reuse              bool              `json:"reuse"`
	RequireAttestation bool              `json:"requireAttestation"`
	Labels             map[string]string `json:"labels"`
}

// workspaceRequest declares the workspace the client will upload.
type workspaceRequest struct {
	SizeBytes   *int64 `json:"sizeBytes"`
	MD5         string `json:"md5"`
	ContentType string `json:"contentType"`
}

// uploadResponse answers POST /jobs and POST /jobs/{id}/upload.
type uploadResponse struct {
	Job    job.View    `json:"job"`
	Upload *signer.URL `json:"upload,omitempty"`
}

// create serves POST /jobs: it stores a job awaiting its workspace and
// answers 201 with the job and the workspace's upload URL; with reuse and
// a matching finished job the caller may read, 200 with that job instead.
func (h *handler) create(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return err
	}
	var req createRequest
	if err := httpapi.Decode(r, &req, httpapi.MaxBodyBytes(maxCreateBodyBytes)); err != nil {
		return err
	}
	j, err := newJob(p, &req, h.clock())
	if err != nil {
		return err
	}
	if err := h.mayCreate(r.Context(), p, j); err != nil {
		return err
	}
	if req.RuntimeToken != "" {
		if err := h.runAs(r.Context(), j, req.RuntimeToken); err != nil {
			return err
		}
		// Verified: from here on this request's lines mask it. An
		// unverified string is never registered, so a caller cannot hide
		// words from the logs with it.
		logging.RegisterSecret(r.Context(), req.RuntimeToken)
	}
	if req.Reuse {
		done, err := h.reusable(r.Context(), p, j, req.RequireAttestation)
		if err != nil {
			return err
		}
		if done != nil {
			httpapi.WriteJSON(w, http.StatusOK, uploadResponse{Job: done.View()})
			return nil
		}
	}
	// Sign before storing, so that a value the signer refuses leaves nothing
	// behind.
	upload, err := h.signUpload(j, job.UploadWindow)
	if err != nil {
		return err
	}
	if req.RuntimeToken != "" {
		// Kept until the latest deadline the job can have; scrubbed when it
		// ends.
		expireAt := j.UploadDeadline.Add(time.Duration(j.TimeoutSeconds) * time.Second)
		if err := h.secrets.Put(r.Context(), j, custody.RuntimeToken, req.RuntimeToken, expireAt); err != nil {
			return err
		}
		j.SecretsHeld, j.HasRuntimeToken = true, true
	}
	first := job.Event{Seq: 1, Time: j.CreatedAt, Type: job.EventCreated,
		Message: fmt.Sprintf("created; waiting for a workspace of at most %d bytes", j.Workspace.SizeBytes)}
	j.EventSeq = first.Seq
	if err := h.store.Create(r.Context(), j, first); err != nil {
		if j.SecretsHeld {
			if serr := h.secrets.Scrub(r.Context(), j); serr != nil {
				httpapi.LoggerFrom(r.Context()).WarnContext(r.Context(), "runtime token of a job never created not scrubbed; it expires on its own", "job", j.ID, "error", serr)
			}
		}
		return err
	}
	h.audit.Write(r.Context(), audit.URL(j.Space(), "jobs/"+j.ID.String()+"/workspace", upload.Method, upload.ExpiresAt))
	httpapi.WriteJSON(w, http.StatusCreated, uploadResponse{Job: j.View(), Upload: &upload})
	return nil
}

// mayCreate checks p may submit j: in its own space, or as an editor of
// j's project (a project p is not a member of is not found).
func (h *handler) mayCreate(ctx context.Context, p identity.Principal, j *job.Job) error {
	role, err := access.RoleIn(ctx, h.projects, p, j.Space())
	if err != nil {
		return err
	}
	if access.CanJobIn(p, access.CreateJob, j, role) {
		return nil
	}
	if j.Project != "" && role == project.None {
		return apperr.E(apperr.NotFound, "project %s not found", j.Project)
	}
	if role == project.Viewer {
		return apperr.E(apperr.PermissionDenied, "viewers of project %s may not submit jobs; ask an owner for the editor role", j.Project)
	}
	return apperr.E(apperr.PermissionDenied, "you may not create this job; use a credential with the jobs:write scope")
}

// runAs checks the runtime token j was submitted with and makes its user
// and scopes the job's runtime identity. The token must be a valid,
// unexpired valet API token or OIDC ID token of a user who may run jobs in
// j's space; every refusal is a 400 saying why. The token itself is never
// part of a message.
func (h *handler) runAs(ctx context.Context, j *job.Job, token string) error {
	rp, err := h.verifyRuntime(ctx, token)
	if apperr.CodeOf(err) == apperr.Unauthenticated {
		return apperr.E(apperr.Invalid, "runtimeToken is not a valid credential: %s", apperr.From(err).Message)
	}
	if err != nil {
		return err // an issuer or the token store is unavailable: retry
	}
	if rp.Kind != identity.User {
		return apperr.E(apperr.Invalid, "runtimeToken must be a user's valet API token or OIDC ID token, not a %s credential", rp.Kind)
	}
	role, err := access.RoleIn(ctx, h.projects, rp, j.Space())
	if err != nil {
		return err
	}
	if !access.CanJobIn(rp, access.CreateJob, j, role) {
		return apperr.E(apperr.Invalid, "runtimeToken's user may not run jobs in %s: it needs its own space or the editor role in the project, and the jobs:write scope", j.Space())
	}
	j.RuntimeUser = rp.ID
	j.RuntimeScopes = slices.Sorted(slices.Values(rp.Scopes))
	return nil
}

// reusable returns the newest SUCCEEDED job that stands for j (same spec,
// workspace bytes, runtime user and scopes) and that p may read, or nil.
func (h *handler) reusable(ctx context.Context, p identity.Principal, j *job.Job, requireAttestation bool) (*job.Job, error) {
	if j.Workspace.MD5 == "" {
		return nil, apperr.E(apperr.Invalid, "reuse needs workspace.md5: the workspace's bytes are how a finished job is matched")
	}
	key := job.ReuseKey{SpecHash: j.SpecHash, WorkspaceMD5: j.Workspace.MD5, RuntimeUser: j.RuntimeUser, RuntimeScopes: j.RuntimeScopes}
	found, err := h.store.Reusable(ctx, key, maxReuseCandidates)
	if err != nil {
		return nil, err
	}
	for _, c := range found {
		if !key.Matches(c, requireAttestation) {
			continue
		}
		role, err := access.RoleIn(ctx, h.projects, p, c.Space())
		if err != nil {
			return nil, err
		}
		if access.CanJobIn(p, access.ReadJob, c, role) {
			return c, nil
		}
	}
	return nil, nil
}

// newJob checks req and builds the job p submits.
func newJob(p identity.Principal, req *createRequest, now time.Time) (*job.Job, error) {
	var pid ids.ProjectID
	if req.Project != "" {
		var err error
		if pid, err = ids.ParseProjectID(req.Project); err != nil {
			return nil, err
		}
	}
	spec, specHash, err := parseSpec(req.Spec)
	if err != nil {
		return nil, err
	}
	if err := job.CheckSpec(spec); err != nil {
		return nil, err
	}
	timeout := int64(job.DefaultTimeout / time.Second)
	if req.TimeoutSeconds != nil {
		timeout = *req.TimeoutSeconds
		if timeout < 1 || timeout > int64(job.MaxTimeout/time.Second) {
			return nil, apperr.E(apperr.Invalid, "timeoutSeconds must be 1 to %d, got %d", int64(job.MaxTimeout/time.Second), timeout)
		}
	}
	ws, err := checkWorkspace(req.Workspace)
	if err != nil {
		return nil, err
	}
	if err := checkLabels(req.Labels); err != nil {
		return nil, err
	}
	return &job.Job{
		ID:                 ids.NewJobID(),
		Owner:              ids.UserID(p.ID),
		Project:            pid,
		Spec:               spec,
		SpecHash:           specHash,
		Labels:             req.Labels,
		State:              job.AwaitingWorkspace,
		MaxAttempts:        job.DefaultMaxAttempts,
		TimeoutSeconds:     timeout,
		RequireAttestation: req.RequireAttestation,
		RuntimeUser:        p.ID,
		RuntimeScopes:      runtimeScopes(p),
		Workspace:          ws,
		WorkspaceKey:       1, // the key of the upload URL create answers with
		CreatedAt:          now,
		UpdatedAt:          now,
		UploadDeadline:     now.Add(job.UploadWindow),
		SecretLayout:       job.SecretsPerJob,
	}, nil
}

// runtimeScopes are the scopes a job runs with when it is submitted
// without a runtime token: the submitter's, sorted.
func runtimeScopes(p identity.Principal) []string {
	if len(p.Scopes) == 0 {
		return append([]string(nil), identity.AllScopes...)
	}
	return slices.Sorted(slices.Values(p.Scopes))
}

// checkWorkspace checks the declared workspace and fills its defaults.
func checkWorkspace(req *workspaceRequest) (job.Artifact, error) {
	if req == nil {
		return job.Artifact{}, apperr.E(apperr.Invalid, "workspace is required: {sizeBytes, md5?, contentType?}")
	}
	if req.SizeBytes == nil {
		return job.Artifact{}, apperr.E(apperr.Invalid, "workspace.sizeBytes is required")
	}
	size := *req.SizeBytes
	if size < 0 || size > maxWorkspaceBytes {
		return job.Artifact{}, apperr.E(apperr.Invalid, "workspace.sizeBytes must be 0 to %d (5 GiB), got %d", int64(maxWorkspaceBytes), size)
	}
	if err := mediatype.CheckMD5("workspace.md5", req.MD5); err != nil {
		return job.Artifact{}, err
	}
	contentType := req.ContentType
	if contentType == "" {
		contentType = defaultContentType
	}
	if err := mediatype.Check("workspace.contentType", contentType, defaultContentType); err != nil {
		return job.Artifact{}, err
	}
	return job.Artifact{SizeBytes: size, MD5: req.MD5, ContentType: contentType}, nil
}

// checkLabels accepts up to maxLabels labels whose keys (1 to 63
// characters, starting with a letter or digit) and values (0 to 63
// characters) are made of a-z, 0-9, _ and -.
func checkLabels(labels map[string]string) error {
	if len(labels) > maxLabels {
		return apperr.E(apperr.Invalid, "at most %d labels are allowed, got %d", maxLabels, len(labels))
	}
	for k, v := range labels {
		if k == "" || len(k) > maxLabelLen || !labelChars(k) || k[0] == '_' || k[0] == '-' {
			return apperr.E(apperr.Invalid, "label key %s must be 1 to %d characters of a-z, 0-9, _ and -, starting with a letter or digit", shorten(k), maxLabelLen)
		}
		if len(v) > maxLabelLen || !labelChars(v) {
			return apperr.E(apperr.Invalid, "the value of label %s must be at most %d characters of a-z, 0-9, _ and -", shorten(k), maxLabelLen)
		}
	}
	return nil
}

func labelChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
