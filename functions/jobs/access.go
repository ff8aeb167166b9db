package jobs

import (
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/project"
)

// notFound is the answer for a job that is absent and for one the caller
// may not read: the two must not be told apart.
func notFound(id ids.JobID) error {
	return apperr.E(apperr.NotFound, "job %s not found", id)
}

// jobID parses the {id} of the request's path.
func jobID(r *http.Request) (ids.JobID, error) {
	return ids.ParseJobID(r.PathValue("id"))
}

// authorize checks again that p, with role in j's project, may do a to j
// (access.Check: a job p may not read is not found).
func authorize(p identity.Principal, a access.Action, j *job.Job, role project.Role) error {
	return access.Check(p, a, access.JobResource(j), role, notFound(j.ID))
}

// load returns the caller, the job of the request's path and the caller's
// role in its project, after checking the caller may do a to it.
func (h *handler) load(r *http.Request, a access.Action) (identity.Principal, *job.Job, project.Role, error) {
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return p, nil, "", err
	}
	id, err := jobID(r)
	if err != nil {
		return p, nil, "", err
	}
	j, err := h.store.Get(r.Context(), id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return p, nil, "", notFound(id)
	}
	if err != nil {
		return p, nil, "", err
	}
	role, err := access.Authorize(r.Context(), h.projects, p, a, access.JobResource(j), notFound(j.ID))
	if err != nil {
		return p, nil, "", err
	}
	return p, j, role, nil
}

// update loads the job of the request's path for a (load), then changes
// it with change in a transaction that checks the caller's rights again:
// the role looked up first still holds, since a job's project never
// changes. A job gone in between is not found.
func (h *handler) update(r *http.Request, a access.Action, change func(p identity.Principal, j *job.Job) ([]job.Event, error)) (*job.Job, error) {
	p, found, role, err := h.load(r, a)
	if err != nil {
		return nil, err
	}
	j, err := h.store.Update(r.Context(), found.ID, func(j *job.Job) ([]job.Event, error) {
		if err := authorize(p, a, j, role); err != nil {
			return nil, err
		}
		return change(p, j)
	})
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, notFound(found.ID)
	}
	return j, err
}
