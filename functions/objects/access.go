package objects

import (
	"context"
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
)

// caller returns the request's principal: a user, or a running job acting
// as its runtime user.
func caller(r *http.Request) (identity.Principal, error) {
	return httpapi.UserOrJob(r, "objects")
}

// role is p's role in space: its project role for a project space, None
// for a personal one (access.Can decides personal spaces by id).
func (h *handler) role(ctx context.Context, p identity.Principal, space ids.SpaceID) (project.Role, error) {
	pid, _ := space.Project()
	return project.RoleIn(ctx, h.projects, pid, ids.UserID(p.ID))
}

// authorize checks that p may do a to r, after looking up p's role in r's
// space (access.Check: hidden answers for an r p may not read).
func (h *handler) authorize(ctx context.Context, p identity.Principal, a access.Action, r access.Resource, hidden error) error {
	space, err := ids.ParseSpaceID(r.Space)
	if err != nil {
		return err
	}
	role, err := h.role(ctx, p, space)
	if err != nil {
		return err
	}
	return access.Check(p, a, r, role, hidden)
}

// objectNotFound is the answer for an object that is absent and for one
// the caller may not read: the two must not be told apart.
func objectNotFound(id ids.ObjectID) error {
	return apperr.E(apperr.NotFound, "object %s not found", id)
}

// spaceNotFound is the answer for a space the caller may not read.
func spaceNotFound(space string) error {
	return apperr.E(apperr.NotFound, "space %s not found", space)
}

// loadObject returns the object of the request's path after checking the
// caller may do a to it.
func (h *handler) loadObject(r *http.Request, a access.Action) (identity.Principal, *object.Object, error) {
	p, err := caller(r)
	if err != nil {
		return p, nil, err
	}
	id, err := ids.ParseObjectID(r.PathValue("id"))
	if err != nil {
		return p, nil, err
	}
	o, err := h.objects.Get(r.Context(), id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return p, nil, objectNotFound(id)
	}
	if err != nil {
		return p, nil, err
	}
	if err := h.authorize(r.Context(), p, a, access.ObjectResource(string(o.Space)), objectNotFound(o.ID)); err != nil {
		return p, nil, err
	}
	return p, o, nil
}

// pathSpace is the space of a /spaces/{kind}/{owner}/... path.
func pathSpace(r *http.Request) (ids.SpaceID, error) {
	return ids.ParseSpaceID(r.PathValue("kind") + "/" + r.PathValue("owner"))
}

// loadSpace returns the caller and the space of a /spaces/{kind}/{owner}/...
// path after checking the caller may do a there (404 for a space it may
// not read).
func (h *handler) loadSpace(r *http.Request, a access.Action) (identity.Principal, ids.SpaceID, error) {
	p, err := caller(r)
	if err != nil {
		return p, "", err
	}
	space, err := pathSpace(r)
	if err != nil {
		return p, "", err
	}
	if err := h.authorize(r.Context(), p, a, access.ObjectResource(string(space)), spaceNotFound(string(space))); err != nil {
		return p, "", err
	}
	return p, space, nil
}
