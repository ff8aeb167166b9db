package client

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"valet.dev/valet/shared/object"
)

// Usage is a space's storage use and quota.
type Usage struct {
	UsedBytes     int64 `json:"usedBytes"`
	ReservedBytes int64 `json:"reservedBytes"`
	Objects       int64 `json:"objects"`
	QuotaBytes    int64 `json:"quotaBytes"`
}

// Space is an entry of GET /spaces: users/<uid> or projects/<pid>, with
// the caller's role there.
type Space struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"` // "user" or "project"
	Role  string `json:"role"`
	Usage Usage  `json:"usage"`
}

// Spaces lists the caller's spaces, the personal one first (GET /spaces).
func (c *Client) Spaces(ctx context.Context) ([]Space, error) {
	var out struct {
		Spaces []Space `json:"spaces"`
	}
	_, err := c.call(ctx, http.MethodGet, Objects, "/spaces", nil, &out)
	return out.Spaces, err
}

// CreateObjectRequest is the body of POST /spaces/{space}/objects.
type CreateObjectRequest struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType"`
	SizeBytes   int64  `json:"sizeBytes"`
	MD5         string `json:"md5,omitempty"` // base64 of the 16-byte MD5
}

// CreatedObject is a PENDING object and its upload URL.
type CreatedObject struct {
	Object object.Object `json:"object"`
	Upload SignedURL     `json:"upload"`
}

// CreateObject announces an upload into space (POST /spaces/{space}/objects);
// space is users/<uid> or projects/<pid>.
func (c *Client) CreateObject(ctx context.Context, space string, req CreateObjectRequest) (CreatedObject, error) {
	var out CreatedObject
	_, err := c.call(ctx, http.MethodPost, Objects, "/spaces/"+spacePath(space)+"/objects", req, &out)
	return out, err
}

// ObjectList is one page of GET /spaces/{space}/objects.
type ObjectList struct {
	Objects       []object.Object `json:"objects"`
	NextPageToken string          `json:"nextPageToken"`
}

// ListObjects lists one page of a space's objects by name.
func (c *Client) ListObjects(ctx context.Context, space, prefix string, pageSize int, pageToken string) (ObjectList, error) {
	return getPage[ObjectList](ctx, c, Objects, "/spaces/"+spacePath(space)+"/objects", pageSize, pageToken, "prefix", prefix)
}

// GetObject reads an object (GET /objects/{id}).
func (c *Client) GetObject(ctx context.Context, id string) (object.Object, error) {
	var out object.Object
	_, err := c.call(ctx, http.MethodGet, Objects, "/objects/"+url.PathEscape(id), nil, &out)
	return out, err
}

// ObjectURL is a download URL of a READY object (GET /objects/{id}/download).
func (c *Client) ObjectURL(ctx context.Context, id string) (SignedURL, error) {
	var out SignedURL
	_, err := c.call(ctx, http.MethodGet, Objects, "/objects/"+url.PathEscape(id)+"/download", nil, &out)
	return out, err
}

// CopyObject copies a READY object into space, under name when not ""
// (POST /objects/{id}/copy).
func (c *Client) CopyObject(ctx context.Context, id, space, name string) (object.Object, error) {
	body := struct {
		Space string `json:"space"`
		Name  string `json:"name,omitempty"`
	}{space, name}
	var out object.Object
	_, err := c.call(ctx, http.MethodPost, Objects, "/objects/"+url.PathEscape(id)+"/copy", body, &out)
	return out, err
}

// RevokeObject moves the object's bytes to a new key, so every download URL
// handed out before stops working (POST /objects/{id}/revoke).
func (c *Client) RevokeObject(ctx context.Context, id string) (object.Object, error) {
	var out object.Object
	_, err := c.call(ctx, http.MethodPost, Objects, "/objects/"+url.PathEscape(id)+"/revoke", nil, &out)
	return out, err
}

// DeleteObject deletes an object (DELETE /objects/{id}).
func (c *Client) DeleteObject(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, Objects, "/objects/"+url.PathEscape(id), nil, nil)
	return err
}

// spacePath escapes a space id for a path: users/<uid> keeps its slash
// (the route is /spaces/{kind}/{id}/objects), each part escaped.
func spacePath(space string) string {
	kind, id, ok := strings.Cut(space, "/")
	if !ok {
		return url.PathEscape(space)
	}
	return url.PathEscape(kind) + "/" + url.PathEscape(id)
}
