package jobs

import (
	"context"
	"net/http"
	"strconv"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// Paging of GET /jobs and GET /jobs/{id}/events.
const (
	defaultPageSize = 50
	maxPageSize     = 100
	maxPageToken    = 1024
	// maxListedProjects bounds the projects GET /jobs lists without
	// ?project= (Firestore allows 30 disjunctions in a query).
	maxListedProjects = 29
)

// listResponse answers GET /jobs.
type listResponse struct {
	Jobs          []*job.Job `json:"jobs"`
	NextPageToken string     `json:"nextPageToken"`
}

// eventsResponse answers GET /jobs/{id}/events.
type eventsResponse struct {
	Events        []job.Event `json:"events"`
	NextPageToken string      `json:"nextPageToken"`
}

// get serves GET /jobs/{id}.
func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	_, j, _, err := h.load(r, access.ReadJob)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, j)
}

// list serves GET /jobs?project=&state=&pageSize=&pageToken=: the jobs
// the caller may read, newest first: its own and those of the projects it
// belongs to, or one project's.
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	p, err := caller(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	q := r.URL.Query()
	query, err := h.listScope(r.Context(), p, q.Get("project"))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if state := q.Get("state"); state != "" {
		if !job.State(state).Valid() {
			httpapi.WriteError(w, r, apperr.E(apperr.Invalid, "state %s is not a job state; want one of %v", shorten(state), job.States))
			return
		}
		query.State = job.State(state)
	}
	if query.PageSize, err = pageSize(q.Get("pageSize")); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if query.PageToken, err = pageToken(q.Get("pageToken")); err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	jobs, next, err := h.store.List(r.Context(), query)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if jobs == nil {
		jobs = []*job.Job{}
	}
	httpapi.WriteJSON(w, http.StatusOK, listResponse{Jobs: jobs, NextPageToken: next})
}

// events serves GET /jobs/{id}/events?pageToken=&pageSize=.
func (h *handler) events(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	size, err := pageSize(q.Get("pageSize"))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	token, err := pageToken(q.Get("pageToken"))
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	_, j, _, err := h.load(r, access.ReadJob)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	events, next, err := h.store.Events(r.Context(), j.ID, size, token)
	if apperr.CodeOf(err) == apperr.NotFound {
		err = notFound(ids.JobID(j.ID))
	}
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if events == nil {
		events = []job.Event{}
	}
	httpapi.WriteJSON(w, http.StatusOK, eventsResponse{Events: events, NextPageToken: next})
}

// pageSize parses a pageSize parameter: 1 to maxPageSize, defaultPageSize
// when empty.
func pageSize(v string) (int, error) {
	if v == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, apperr.E(apperr.Invalid, "pageSize must be an integer from 1 to %d, got %s", maxPageSize, shorten(v))
	}
	return n, nil
}

// pageToken bounds a pageToken parameter; the store checks its content.
func pageToken(v string) (string, error) {
	if len(v) > maxPageToken {
		return "", apperr.E(apperr.Invalid, "pageToken is longer than %d bytes", maxPageToken)
	}
	return v, nil
}

// listScope is the query of the jobs p may list: one project's when
// project is set (404 for a project p may not read), else p's own jobs
// and those of every project where p may read jobs.
func (h *handler) listScope(ctx context.Context, p identity.Principal, project string) (job.Query, error) {
	if project != "" {
		if _, err := ids.ParseProjectID(project); err != nil {
			return job.Query{}, err
		}
		role, err := h.role(ctx, p, project)
		if err != nil {
			return job.Query{}, err
		}
		if !access.Can(p, access.ReadJob, access.Resource{Kind: access.JobKind, Space: "projects/" + project}, role) {
			return job.Query{}, apperr.E(apperr.NotFound, "project %s not found", project)
		}
		return job.Query{Project: project}, nil
	}
	var query job.Query
	if access.CanListJobs(p) {
		query.Owner = p.ID
	}
	memberships, err := h.projects.Memberships(ctx, p.ID)
	if err != nil {
		return job.Query{}, err
	}
	for _, m := range memberships {
		if len(query.Projects) == maxListedProjects {
			break // the rest are listed with ?project=
		}
		if access.Can(p, access.ReadJob, access.Resource{Kind: access.JobKind, Space: "projects/" + m.Project}, m.Role) {
			query.Projects = append(query.Projects, m.Project)
		}
	}
	if query.Owner == "" && len(query.Projects) == 0 {
		return job.Query{}, apperr.E(apperr.PermissionDenied, "this credential's scopes do not include jobs:read; create a token with jobs:read")
	}
	return query, nil
}
