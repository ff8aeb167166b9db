package client

import (
	"context"
	"net/http"
	"net/url"

	"valet.dev/valet/shared/project"
)

// Project is a project and its members, as GET /projects/{p} answers.
type Project struct {
	project.Project
	Members []project.Member `json:"members"`
}

// CreateProject creates a project with the caller as owner (POST
// /projects); id "" lets the server generate one.
func (c *Client) CreateProject(ctx context.Context, id, displayName string) (Project, error) {
	body := struct {
		ID          string `json:"id,omitempty"`
		DisplayName string `json:"displayName"`
	}{id, displayName}
	var out Project
	_, err := c.call(ctx, http.MethodPost, Objects, "/projects", body, &out)
	return out, err
}

// GetProject reads a project (GET /projects/{p}).
func (c *Client) GetProject(ctx context.Context, id string) (Project, error) {
	var out Project
	_, err := c.call(ctx, http.MethodGet, Objects, "/projects/"+url.PathEscape(id), nil, &out)
	return out, err
}

// DeleteProject deletes a project; force deletes its objects first
// (DELETE /projects/{p}?force=true).
func (c *Client) DeleteProject(ctx context.Context, id string, force bool) error {
	path := "/projects/" + url.PathEscape(id)
	if force {
		path += "?force=true"
	}
	_, err := c.call(ctx, http.MethodDelete, Objects, path, nil, nil)
	return err
}

// SetMember adds user to the project with role, or changes their role
// (PUT /projects/{p}/members/{user}).
func (c *Client) SetMember(ctx context.Context, projectID, user string, role project.Role) (project.Member, error) {
	body := struct {
		Role project.Role `json:"role"`
	}{role}
	var out project.Member
	_, err := c.call(ctx, http.MethodPut, Objects, "/projects/"+url.PathEscape(projectID)+"/members/"+url.PathEscape(user), body, &out)
	return out, err
}

// RemoveMember removes user from the project, or the caller leaves it
// (DELETE /projects/{p}/members/{user}).
func (c *Client) RemoveMember(ctx context.Context, projectID, user string) error {
	_, err := c.call(ctx, http.MethodDelete, Objects, "/projects/"+url.PathEscape(projectID)+"/members/"+url.PathEscape(user), nil, nil)
	return err
}
