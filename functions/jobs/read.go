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
)

// Listing of GET /jobs.
const (
	// maxListedProjects bounds the projects GET /jobs lists without
	// ?project= (Firestore allows 30 disjunctions in a query).
	maxListedProjects = 29
)

// listResponse answers GET /jobs.
type listResponse struct {
	Jobs          []job.View `json:"jobs"`
	NextPageToken string     `json:"nextPageToken"`
}

// eventsResponse answers GET /jobs/{id}/events.
type eventsResponse struct {
	Events        []job.Event `json:"events"`
	NextPageToken string      `json:"nextPageToken"`
}

// get serves GET /jobs/{id}.
func (h *handler) get(w http.ResponseWriter, r *http.Request) error {
	_, j, _, err := h.load(r, access.ReadJob)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, j.View())
	return nil
}

// list serves GET /jobs?project=&state=&pageSize=&pageToken=: the jobs
// the caller may read, newest first: its own and those of the projects it
// belongs to, or one project's.
func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	query, err := h.listScope(r.Context(), p, q.Get("project"))
	if err != nil {
		return err
	}
	if state := q.Get("state"); state != "" {
		if !job.State(state).Valid() {
			return apperr.E(apperr.Invalid, "state %s is not a job state; want one of %v", shorten(state), job.States)
		}
		query.State = job.State(state)
	}
	page, err := httpapi.ParsePage(q, job.DefaultPageSize, job.MaxPageSize)
	if err != nil {
		return err
	}
	query.PageSize, query.PageToken = page.Size, page.Token
	jobs, next, err := h.store.List(r.Context(), query)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, listResponse{Jobs: job.Views(jobs), NextPageToken: next})
	return nil
}

// events serves GET /jobs/{id}/events?pageToken=&pageSize=.
func (h *handler) events(w http.ResponseWriter, r *http.Request) error {
	page, err := httpapi.ParsePage(r.URL.Query(), job.DefaultPageSize, job.MaxPageSize)
	if err != nil {
		return err
	}
	_, j, _, err := h.load(r, access.ReadJob)
	if err != nil {
		return err
	}
	events, next, err := h.store.Events(r.Context(), j.ID, page.Size, page.Token)
	if apperr.CodeOf(err) == apperr.NotFound {
		err = notFound(j.ID)
	}
	if err != nil {
		return err
	}
	if events == nil {
		events = []job.Event{}
	}
	httpapi.WriteJSON(w, http.StatusOK, eventsResponse{Events: events, NextPageToken: next})
	return nil
}

// listScope is the query of the jobs p may list: one project's when
// project is set (404 for a project p may not read), else p's own jobs
// and those of every project where p may read jobs.
func (h *handler) listScope(ctx context.Context, p identity.Principal, project string) (job.Query, error) {
	if project != "" {
		pid, err := ids.ParseProjectID(project)
		if err != nil {
			return job.Query{}, err
		}
		hidden := apperr.E(apperr.NotFound, "project %s not found", pid)
		if _, err := access.Authorize(ctx, h.projects, p, access.ReadJob, access.Resource{Kind: access.JobKind, Space: ids.ProjectSpace(pid)}, hidden); err != nil {
			return job.Query{}, err
		}
		return job.Query{Project: pid}, nil
	}
	var query job.Query
	if access.CanListJobs(p) {
		query.Owner = ids.UserID(p.ID)
	}
	memberships, err := h.projects.Memberships(ctx, ids.UserID(p.ID))
	if err != nil {
		return job.Query{}, err
	}
	for _, m := range memberships {
		if len(query.Projects) == maxListedProjects {
			break // the rest are listed with ?project=
		}
		if access.Can(p, access.ReadJob, access.Resource{Kind: access.JobKind, Space: ids.ProjectSpace(m.Project)}, m.Role) {
			query.Projects = append(query.Projects, m.Project)
		}
	}
	if query.Owner == "" && len(query.Projects) == 0 {
		return job.Query{}, apperr.E(apperr.PermissionDenied, "this credential's scopes do not include jobs:read; create a token with jobs:read")
	}
	return query, nil
}
