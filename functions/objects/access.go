package objects

import (
	"net/http"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
)

// authorize checks that p may do a to r, after looking up p's role in r's
// space (access.Authorize: hidden answers for an r p may not read).
func (h *handler) authorize(r *http.Request, p identity.Principal, a access.Action, res access.Resource, hidden error) error {
	_, err := access.Authorize(r.Context(), h.projects, p, a, res, hidden)
	return err
}

// objectNotFound is the answer for an object that is absent and for one
// the caller may not read: the two must not be told apart.
func objectNotFound(id ids.ObjectID) error {
	return apperr.E(apperr.NotFound, "object %s not found", id)
}

// spaceNotFound is the answer for a space the caller may not read.
func spaceNotFound(space ids.SpaceID) error {
	return apperr.E(apperr.NotFound, "space %s not found", space)
}

// loadObject returns the object of the request's path after checking the
// caller may do a to it.
func (h *handler) loadObject(r *http.Request, a access.Action) (identity.Principal, *object.Object, error) {
	p, err := httpapi.UserOrJob(r, Name)
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
	if err := h.authorize(r, p, a, access.ObjectResource(o.Space), objectNotFound(o.ID)); err != nil {
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
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return p, "", err
	}
	space, err := pathSpace(r)
	if err != nil {
		return p, "", err
	}
	if err := h.authorize(r, p, a, access.ObjectResource(space), spaceNotFound(space)); err != nil {
		return p, "", err
	}
	return p, space, nil
}
