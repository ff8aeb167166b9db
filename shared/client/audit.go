package client

import (
	"context"

	"valet.dev/valet/shared/audit"
)

// AuditList is one page of GET /spaces/{space}/audit.
type AuditList struct {
	Entries       []audit.Entry `json:"entries"`
	NextPageToken string        `json:"nextPageToken"`
}

// Audit reads one page of a space's audit trail, newest first (its owners
// only, with an ID token or an API token with scope all).
func (c *Client) Audit(ctx context.Context, space string, pageSize int, pageToken string) (AuditList, error) {
	return getPage[AuditList](ctx, c, Objects, "/spaces/"+spacePath(space)+"/audit", pageSize, pageToken)
}
