package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/seal"
)

// ClaimRequest is the body of POST /claim.
type ClaimRequest struct {
	Worker       string `json:"worker"`
	LeaseSeconds int64  `json:"leaseSeconds,omitempty"`
	SealTo       string `json:"sealTo,omitempty"` // HPKE public key, see seal.GenerateKey
	SingleUse    bool   `json:"singleUse,omitempty"`
}

// Lock is a claim's fenced lease.
type Lock struct {
	Epoch          int64     `json:"epoch"`
	LeaseExpiresAt time.Time `json:"leaseExpiresAt"`
}

// Claim is a claimed job and its lock.
type Claim struct {
	Job  job.View `json:"job"`
	Lock Lock     `json:"lock"`
}

// Bundle is a job's auth bundle: its signed URLs and secrets. All of it is
// secret; it has no String method and must never be logged.
type Bundle struct {
	Workspace     SignedURL `json:"workspace"`
	Output        SignedURL `json:"output"`
	Attestation   SignedURL `json:"attestation"`
	JobToken      string    `json:"jobToken"`
	RuntimeToken  string    `json:"runtimeToken,omitempty"`
	WorkflowToken string    `json:"workflowToken"`
}

// Claim takes a queued job (POST /claim); ok is false when none is queued.
func (c *Client) Claim(ctx context.Context, req ClaimRequest) (_ Claim, ok bool, err error) {
	var out Claim
	status, err := c.call(ctx, http.MethodPost, Dispatch, "/claim", req, &out)
	if err != nil || status == http.StatusNoContent {
		return Claim{}, false, err
	}
	return out, true, nil
}

// Auth fetches the job's auth bundle at epoch. With key (the private half
// of the claim's sealTo) the answer must be sealed and is opened with it;
// without, it must be plain.
func (c *Client) Auth(ctx context.Context, id string, epoch int64, key *seal.PrivateKey) (Bundle, error) {
	var raw struct {
		Bundle
		Sealed string `json:"sealed"`
	}
	path := "/jobs/" + url.PathEscape(id) + "/auth?epoch=" + strconv.FormatInt(epoch, 10)
	if _, err := c.call(ctx, http.MethodGet, Dispatch, path, nil, &raw); err != nil {
		return Bundle{}, err
	}
	switch {
	case key == nil && raw.Sealed == "":
		return raw.Bundle, nil
	case key == nil:
		return Bundle{}, fmt.Errorf("the auth bundle came sealed but no key was given to open it")
	case raw.Sealed == "":
		return Bundle{}, fmt.Errorf("the auth bundle came unsealed although the claim asked for sealTo: refusing it")
	}
	plain, err := seal.Open(*key, id, epoch, raw.Sealed)
	if err != nil {
		return Bundle{}, fmt.Errorf("open the sealed auth bundle: %w", err)
	}
	var b Bundle
	if err := json.Unmarshal(plain, &b); err != nil {
		return Bundle{}, fmt.Errorf("the opened auth bundle is not JSON")
	}
	return b, nil
}

// Heartbeat extends the lease (POST /jobs/{id}/heartbeat); leaseSeconds 0
// keeps the server's default.
func (c *Client) Heartbeat(ctx context.Context, id string, epoch, leaseSeconds int64) (Lock, error) {
	body := struct {
		Epoch        int64 `json:"epoch"`
		LeaseSeconds int64 `json:"leaseSeconds,omitempty"`
	}{epoch, leaseSeconds}
	var out struct {
		Lock Lock `json:"lock"`
	}
	_, err := c.call(ctx, http.MethodPost, Dispatch, "/jobs/"+url.PathEscape(id)+"/heartbeat", body, &out)
	return out.Lock, err
}

// State reports RUNNING, FAILED (with message) or QUEUED (hand the job
// back) at epoch (POST /jobs/{id}/state).
func (c *Client) State(ctx context.Context, id string, epoch int64, state job.State, message string) (job.View, error) {
	body := struct {
		Epoch   int64     `json:"epoch"`
		State   job.State `json:"state"`
		Message string    `json:"message,omitempty"`
	}{epoch, state, message}
	var out job.View
	_, err := c.call(ctx, http.MethodPost, Dispatch, "/jobs/"+url.PathEscape(id)+"/state", body, &out)
	return out, err
}
