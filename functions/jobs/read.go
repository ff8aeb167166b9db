package jobs

import (
	"net/http"
	"strconv"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// Paging of GET /jobs and GET /jobs/{id}/events.
const (
	defaultPageSize = 50
	maxPageSize     = 100
	maxPageToken    = 1024
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
	_, j, err := h.load(r, access.ReadJob)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, j)
}

// list serves GET /jobs?project=&state=&pageSize=&pageToken=: the caller's
// jobs, newest first.
func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	p, err := caller(r)
	if err != nil {
		httpapi.WriteError(w, r, err)
		return
	}
	if !access.CanListJobs(p) {
		httpapi.WriteError(w, r, apperr.E(apperr.PermissionDenied, "this credential's scopes do not include jobs:read; create a token with jobs:read"))
		return
	}
	q := r.URL.Query()
	query := job.Query{Owner: p.ID}
	if project := q.Get("project"); project != "" {
		if _, err := ids.ParseProjectID(project); err != nil {
			httpapi.WriteError(w, r, err)
			return
		}
		httpapi.WriteError(w, r, apperr.E(apperr.Invalid, "projects are not supported yet: leave project empty"))
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
	_, j, err := h.load(r, access.ReadJob)
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
