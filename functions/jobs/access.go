package jobs

import (
	"context"
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/project"
)

// caller returns the request's principal: a user, or a running job acting
// as its runtime user.
func caller(r *http.Request) (identity.Principal, error) {
	return httpapi.UserOrJob(r, "jobs")
}

// role is p's role in project pid (None for a personal job).
func (h *handler) role(ctx context.Context, p identity.Principal, pid string) (project.Role, error) {
	if pid == "" {
		return project.None, nil
	}
	return h.projects.Role(ctx, ids.ProjectID(pid), ids.UserID(p.ID))
}

// notFound is the answer for a job that is absent and for one the caller
// may not read: the two must not be told apart.
func notFound(id ids.JobID) error {
	return apperr.E(apperr.NotFound, "job %s not found", id)
}

// jobID parses the {id} of the request's path.
func jobID(r *http.Request) (ids.JobID, error) {
	return ids.ParseJobID(r.PathValue("id"))
}

// authorize checks that p, with role in j's project, may do a to j: a job
// p may not read is not found, one it may read but not change is
// forbidden.
func authorize(p identity.Principal, a access.Action, j *job.Job, role project.Role) error {
	if !access.CanJobIn(p, access.ReadJob, j, role) {
		return notFound(ids.JobID(j.ID))
	}
	if a != access.ReadJob && !access.CanJobIn(p, a, j, role) {
		if role == project.Viewer {
			return apperr.E(apperr.PermissionDenied, "you may read job %s but not change it: viewers of project %s only read; ask an owner for the editor role", j.ID, j.Project)
		}
		return apperr.E(apperr.PermissionDenied, "you may read job %s but not change it; use a credential with the jobs:write scope", j.ID)
	}
	return nil
}

// load returns the caller, the job of the request's path and the caller's
// role in its project, after checking the caller may do a to it.
func (h *handler) load(r *http.Request, a access.Action) (identity.Principal, *job.Job, project.Role, error) {
	p, err := caller(r)
	if err != nil {
		return p, nil, "", err
	}
	id, err := jobID(r)
	if err != nil {
		return p, nil, "", err
	}
	j, err := h.store.Get(r.Context(), string(id))
	if apperr.CodeOf(err) == apperr.NotFound {
		return p, nil, "", notFound(id)
	}
	if err != nil {
		return p, nil, "", err
	}
	role, err := h.role(r.Context(), p, j.Project)
	if err != nil {
		return p, nil, "", err
	}
	if err := authorize(p, a, j, role); err != nil {
		return p, nil, "", err
	}
	return p, j, role, nil
}
