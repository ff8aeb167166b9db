package jobs

import (
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// caller returns the request's principal, which must be a user.
func caller(r *http.Request) (identity.Principal, error) {
	p, ok := httpapi.PrincipalFrom(r.Context())
	if !ok {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "a valid credential is required")
	}
	if p.Kind != identity.User {
		return identity.Principal{}, apperr.E(apperr.PermissionDenied, "the jobs API serves users; %s principals may not call it", p.Kind)
	}
	return p, nil
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

// authorize checks that p may do a to j: a job p may not read is not found,
// one it may read but not change is forbidden.
func authorize(p identity.Principal, a access.Action, j *job.Job) error {
	if !access.CanJob(p, access.ReadJob, j) {
		return notFound(ids.JobID(j.ID))
	}
	if a != access.ReadJob && !access.CanJob(p, a, j) {
		return apperr.E(apperr.PermissionDenied, "you may read job %s but not change it", j.ID)
	}
	return nil
}

// load returns the caller and the job of the request's path, after checking
// the caller may do a to it.
func (h *handler) load(r *http.Request, a access.Action) (identity.Principal, *job.Job, error) {
	p, err := caller(r)
	if err != nil {
		return p, nil, err
	}
	id, err := jobID(r)
	if err != nil {
		return p, nil, err
	}
	j, err := h.store.Get(r.Context(), string(id))
	if apperr.CodeOf(err) == apperr.NotFound {
		return p, nil, notFound(id)
	}
	if err != nil {
		return p, nil, err
	}
	if err := authorize(p, a, j); err != nil {
		return p, nil, err
	}
	return p, j, nil
}
