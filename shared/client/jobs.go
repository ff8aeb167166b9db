package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"valet.dev/valet/shared/job"
)

// SignedURL is an upload or download URL handed out by valet. It is a
// secret: never log it.
type SignedURL struct {
	URL       string            `json:"url"`
	Method    string            `json:"method,omitempty"`
	Headers   map[string]string `json:"headers,omitempty"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// Workspace declares the workspace a job will upload.
type Workspace struct {
	SizeBytes   int64  `json:"sizeBytes"`
	MD5         string `json:"md5,omitempty"` // base64 of the 16-byte MD5
	ContentType string `json:"contentType,omitempty"`
}

// CreateJobRequest is the body of POST /jobs.
type CreateJobRequest struct {
	Project            string            `json:"project,omitempty"`
	Spec               map[string]any    `json:"spec"`
	TimeoutSeconds     int64             `json:"timeoutSeconds,omitempty"`
	Workspace          Workspace         `json:"workspace"`
	RuntimeToken       string            `json:"runtimeToken,omitempty"`
	Reuse              bool              `json:"reuse,omitempty"`
	RequireAttestation bool              `json:"requireAttestation,omitempty"`
	Labels             map[string]string `json:"labels,omitempty"`
}

// Created is the answer of POST /jobs. Upload is nil when a finished job
// was reused.
type Created struct {
	Job    job.View   `json:"job"`
	Upload *SignedURL `json:"upload,omitempty"`
}

// CreateJob submits a job (POST /jobs).
func (c *Client) CreateJob(ctx context.Context, req CreateJobRequest) (Created, error) {
	var out Created
	_, err := c.call(ctx, http.MethodPost, Jobs, "/jobs", req, &out)
	return out, err
}

// GetJob reads a job (GET /jobs/{id}).
func (c *Client) GetJob(ctx context.Context, id string) (job.View, error) {
	var out job.View
	_, err := c.call(ctx, http.MethodGet, Jobs, "/jobs/"+url.PathEscape(id), nil, &out)
	return out, err
}

// CancelJob cancels a job (POST /jobs/{id}/cancel).
func (c *Client) CancelJob(ctx context.Context, id string) (job.View, error) {
	var out job.View
	_, err := c.call(ctx, http.MethodPost, Jobs, "/jobs/"+url.PathEscape(id)+"/cancel", nil, &out)
	return out, err
}

// OutputURL is a download URL of the job's output (409 until present).
func (c *Client) OutputURL(ctx context.Context, id string) (SignedURL, error) {
	var out SignedURL
	_, err := c.call(ctx, http.MethodGet, Jobs, "/jobs/"+url.PathEscape(id)+"/output", nil, &out)
	return out, err
}

// AttestationURL is a download URL of the job's attestation (409 until present).
func (c *Client) AttestationURL(ctx context.Context, id string) (SignedURL, error) {
	var out SignedURL
	_, err := c.call(ctx, http.MethodGet, Jobs, "/jobs/"+url.PathEscape(id)+"/attestation", nil, &out)
	return out, err
}

// WaitOptions tunes WaitJob. Zero values take the defaults.
type WaitOptions struct {
	MinInterval time.Duration    // first poll interval; default 250 ms
	MaxInterval time.Duration    // backoff ceiling; default 5 s
	OnChange    func(j job.View) // called with the first state and every change
}

// WaitJob polls the job until it is final, backing off from MinInterval to
// MaxInterval (reset when the state changes), and returns the final job.
// Transient answers (429, 5xx) are retried; any other error ends the wait.
func (c *Client) WaitJob(ctx context.Context, id string, o WaitOptions) (job.View, error) {
	if o.MinInterval <= 0 {
		o.MinInterval = 250 * time.Millisecond
	}
	if o.MaxInterval < o.MinInterval {
		o.MaxInterval = max(5*time.Second, o.MinInterval)
	}
	interval := o.MinInterval
	var last job.State
	for {
		j, err := c.GetJob(ctx, id)
		switch {
		case err == nil:
			if j.State != last {
				last = j.State
				interval = o.MinInterval
				if o.OnChange != nil {
					o.OnChange(j)
				}
			}
			if j.State.Final() {
				return j, nil
			}
		case transient(err):
		default:
			return j, err
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return j, ctx.Err()
		case <-t.C:
		}
		interval = min(interval*3/2, o.MaxInterval)
	}
}

// transient reports whether err is worth retrying: 429 or a 5xx but 500.
func transient(err error) bool {
	s := StatusOf(err)
	return s == http.StatusTooManyRequests || s == http.StatusBadGateway || s == http.StatusServiceUnavailable || s == http.StatusGatewayTimeout
}

// JobList is one page of GET /jobs.
type JobList struct {
	Jobs          []job.View `json:"jobs"`
	NextPageToken string     `json:"nextPageToken"`
}

// ListJobsOptions filters GET /jobs; zero values are left out.
type ListJobsOptions struct {
	Project   string
	State     job.State
	PageSize  int
	PageToken string
}

// ListJobs lists one page of jobs, newest first (GET /jobs).
func (c *Client) ListJobs(ctx context.Context, o ListJobsOptions) (JobList, error) {
	return getPage[JobList](ctx, c, Jobs, "/jobs", o.PageSize, o.PageToken, "project", o.Project, "state", string(o.State))
}

// EventList is one page of GET /jobs/{id}/events.
type EventList struct {
	Events        []job.Event `json:"events"`
	NextPageToken string      `json:"nextPageToken"`
}

// Events lists one page of the job's events, oldest first (GET /jobs/{id}/events).
func (c *Client) Events(ctx context.Context, id string, pageSize int, pageToken string) (EventList, error) {
	return getPage[EventList](ctx, c, Jobs, "/jobs/"+url.PathEscape(id)+"/events", pageSize, pageToken)
}

// ReissueUpload hands out a new workspace upload URL while the job awaits
// its workspace (POST /jobs/{id}/upload).
func (c *Client) ReissueUpload(ctx context.Context, id string) (Created, error) {
	var out Created
	_, err := c.call(ctx, http.MethodPost, Jobs, "/jobs/"+url.PathEscape(id)+"/upload", nil, &out)
	return out, err
}
