package client

import (
	"context"
	"net/http"
)

// SweepResult is what one sweep run did (POST /sweep).
type SweepResult struct {
	Expired         int `json:"expired"`
	Requeued        int `json:"requeued"`
	Failed          int `json:"failed"`
	Scrubbed        int `json:"scrubbed"`
	ExpiredObjects  int `json:"expiredObjects"`
	DeletedProjects int `json:"deletedProjects"`
	Migrated        int `json:"migrated"`
	Examined        int `json:"examined"`
	Errors          int `json:"errors"`
}

// RunSweep runs the sweep once (POST /sweep), as Cloud Scheduler does with
// its service account's token (Token, and FrontDoorToken for the door).
func (c *Client) RunSweep(ctx context.Context) (SweepResult, error) {
	var out SweepResult
	_, err := c.call(ctx, http.MethodPost, Sweep, "/sweep", nil, &out)
	return out, err
}
