package firestore

import (
	"context"
	"strconv"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

const (
	// maxProjects bounds Query.Projects: Firestore allows 30 disjunctions,
	// one of which is the owner.
	maxProjects = 29
)

// listCursor is the position after the last job of a List page.
type listCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// Firestore's "Date and time" values ("Supported data types",
// https://cloud.google.com/firestore/docs/concepts/data-types) travel as
// google.protobuf.Timestamp, whose range is 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z (its reference documentation). The Go
// client cannot encode a time outside it and retries the query until its
// context ends, so a cursor outside it is refused first.
var (
	minTimestamp = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTimestamp = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// storable reports whether Firestore can hold or compare t.
func storable(t time.Time) bool {
	return !t.Before(minTimestamp) && !t.After(maxTimestamp)
}

// List returns the jobs matching q, newest first then by id descending,
// and the token of the next page. Owner and Projects combine with OR; when
// both are empty every job matches (callers restrict by principal).
func (s *JobStore) List(ctx context.Context, q job.Query) ([]*job.Job, string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	fq, size, err := s.ListQuery(q)
	if err != nil {
		return nil, "", err
	}
	snaps, err := fq.Documents(ctx).GetAll()
	if err != nil {
		return nil, "", readError(ctx, err)
	}
	jobs := make([]*job.Job, 0, min(len(snaps), size))
	for _, snap := range snaps[:min(len(snaps), size)] {
		j, err := decodeJob(snap)
		if err != nil {
			return nil, "", err
		}
		jobs = append(jobs, j)
	}
	next := ""
	if len(snaps) > size {
		last := jobs[len(jobs)-1]
		next = encodeToken(listCursor{CreatedAt: last.CreatedAt, ID: last.ID.String()})
	}
	return jobs, next, nil
}

// ListQuery is the one Firestore query List sends for q, and the page
// size: filters, the order of the composite index that serves it
// (terraform/firestore.tf), the cursor after the previous page and a limit
// of one more than the page, so its cost is the page's, not the
// collection's. cmd/valet-bench times it bare, as the floor of GET /jobs.
func (s *JobStore) ListQuery(q job.Query) (firestore.Query, int, error) {
	var none firestore.Query
	size, err := pageSize(q.PageSize, job.DefaultPageSize, job.MaxPageSize)
	if err != nil {
		return none, 0, err
	}
	if q.State != "" && !q.State.Valid() {
		return none, 0, apperr.E(apperr.Invalid, "state %q is not a job state", q.State)
	}
	if len(q.Projects) > maxProjects {
		return none, 0, apperr.E(apperr.Invalid, "at most %d projects can be listed at once", maxProjects)
	}
	fq := s.client.Collection(JobsCollection).Query
	var who []firestore.EntityFilter
	if q.Owner != "" {
		who = append(who, firestore.AndFilter{Filters: []firestore.EntityFilter{
			firestore.PropertyFilter{Path: "owner", Operator: "==", Value: string(q.Owner)},
			firestore.PropertyFilter{Path: "project", Operator: "==", Value: ""},
		}})
	}
	if len(q.Projects) > 0 {
		who = append(who, firestore.PropertyFilter{Path: "project", Operator: "in", Value: stringsOf(q.Projects)})
	}
	switch len(who) {
	case 1:
		fq = fq.WhereEntity(who[0])
	case 2:
		fq = fq.WhereEntity(firestore.OrFilter{Filters: who})
	}
	if q.Project != "" {
		fq = fq.Where("project", "==", string(q.Project))
	}
	if q.State != "" {
		fq = fq.Where("state", "==", string(q.State))
	}
	fq = fq.OrderBy("createdAt", firestore.Desc).OrderBy("id", firestore.Desc)
	if q.PageToken != "" {
		var c listCursor
		if err := decodeToken(q.PageToken, &c); err != nil {
			return none, 0, err
		}
		if _, err := ids.ParseJobID(c.ID); err != nil || !storable(c.CreatedAt) {
			return none, 0, errBadToken
		}
		fq = fq.StartAfter(c.CreatedAt, c.ID)
	}
	return fq.Limit(size + 1), size, nil
}

// Events returns the job's events in seq order after pageToken (NotFound
// when the job is absent).
func (s *JobStore) Events(ctx context.Context, id ids.JobID, size int, pageToken string) ([]job.Event, string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	size, err := pageSize(size, job.DefaultPageSize, job.MaxPageSize)
	if err != nil {
		return nil, "", err
	}
	var after int64
	if pageToken != "" {
		var t string
		if err := decodeToken(pageToken, &t); err != nil {
			return nil, "", err
		}
		if after, err = strconv.ParseInt(t, 10, 64); err != nil || after < 0 {
			return nil, "", errBadToken
		}
	}
	if _, err := s.Get(ctx, id); err != nil {
		return nil, "", err
	}
	snaps, err := s.jobRef(id).Collection(EventsCollection).
		Where("seq", ">", after).
		OrderBy("seq", firestore.Asc).
		Limit(size + 1).
		Documents(ctx).GetAll()
	if err != nil {
		return nil, "", readError(ctx, err)
	}
	events := make([]job.Event, 0, min(len(snaps), size))
	for _, snap := range snaps[:min(len(snaps), size)] {
		var e job.Event
		if err := snap.DataTo(&e); err != nil {
			return nil, "", apperr.Wrap(err, apperr.Internal, "an event of job %s cannot be read", id)
		}
		events = append(events, e)
	}
	next := ""
	if len(snaps) > size {
		next = encodeToken(strconv.FormatInt(events[len(events)-1].Seq, 10))
	}
	return events, next, nil
}

// stringsOf is ids as the strings a query compares.
func stringsOf[T ~string](ids []T) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
