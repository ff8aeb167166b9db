package objects

import (
	"fmt"
	"net/http"
	"strings"

	"valet.dev/valet/shared/access"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/purge"
)

// MaxDisplayNameLen bounds a project's display name, in characters.
const MaxDisplayNameLen = 100

// spaceView is one entry of GET /spaces.
type spaceView struct {
	ID    string       `json:"id"`
	Kind  string       `json:"kind"` // "user" or "project"
	Role  project.Role `json:"role"` // the caller's role; owner of their own space
	Usage usageView    `json:"usage"`
}

// usageView is a space's use of its quota.
type usageView struct {
	UsedBytes     int64 `json:"usedBytes"`     // uploaded objects
	ReservedBytes int64 `json:"reservedBytes"` // uploads announced, not yet arrived
	Objects       int64 `json:"objects"`
	QuotaBytes    int64 `json:"quotaBytes"`
}

// projectView answers the project routes: the project and its members.
type projectView struct {
	*project.Project
	Members []project.Member `json:"members"`
}

type createProjectRequest struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

type memberRequest struct {
	Role string `json:"role"`
}

// spaces serves GET /spaces: the caller's personal space (there from the
// first call) and the projects it belongs to, each with its use of its
// quota.
func (h *handler) spaces(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return err
	}
	out := []spaceView{{ID: string(ids.UserSpace(ids.UserID(p.ID))), Kind: "user", Role: project.Owner}}
	memberships, err := h.projects.Memberships(r.Context(), ids.UserID(p.ID))
	if err != nil {
		return err
	}
	for _, m := range memberships {
		res := access.ProjectResource(m.Project)
		if access.Can(p, access.ReadProject, res, m.Role) {
			out = append(out, spaceView{ID: res.Space.String(), Kind: "project", Role: m.Role})
		}
	}
	spaces := make([]ids.SpaceID, len(out))
	for i, v := range out {
		spaces[i] = ids.SpaceID(v.ID)
	}
	usages, err := h.objects.Usages(r.Context(), spaces)
	if err != nil {
		return err
	}
	for i, u := range usages {
		out[i].Usage = usageView{UsedBytes: u.UsedBytes, ReservedBytes: u.ReservedBytes, Objects: u.Objects, QuotaBytes: h.quota}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"spaces": out})
	return nil
}

// createProject serves POST /projects {id?, displayName}: the caller
// becomes its owner. Without id one is generated.
func (h *handler) createProject(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return err
	}
	var req createProjectRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	id := ids.NewProjectID()
	if req.ID != "" {
		if id, err = ids.ParseProjectID(req.ID); err != nil {
			return err
		}
	}
	name := strings.TrimSpace(req.DisplayName)
	if err := checkDisplayName(name); err != nil {
		return err
	}
	if !access.Can(p, access.CreateProject, access.ProjectResource(id), project.None) {
		return apperr.E(apperr.PermissionDenied, "this credential may not create projects: it needs the objects:write scope, and running jobs may not create projects")
	}
	proj := &project.Project{ID: id, DisplayName: name, CreatedBy: ids.UserID(p.ID), CreatedAt: h.clock()}
	if err := h.projects.Create(r.Context(), proj, proj.CreatedBy, proj.CreatedAt); err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.Entry{Space: ids.ProjectSpace(proj.ID), Action: audit.ProjectCreated, Target: "projects/" + string(proj.ID), Role: string(project.Owner)})
	members, err := h.projects.Members(r.Context(), proj.ID)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusCreated, projectView{Project: proj, Members: members})
	return nil
}

// checkDisplayName checks a project's display name as a label
// (ids.CheckLabel).
func checkDisplayName(name string) error {
	return ids.CheckLabel("displayName", name, MaxDisplayNameLen)
}

// loadProject returns the project of the path after checking the caller
// may do a to it: 404 for non-members, 403 for members without the role.
func (h *handler) loadProject(r *http.Request, a access.Action) (identity.Principal, *project.Project, error) {
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return p, nil, err
	}
	pid, err := ids.ParseProjectID(r.PathValue("project"))
	if err != nil {
		return p, nil, err
	}
	hidden := apperr.E(apperr.NotFound, "project %s not found", pid)
	if err := h.authorize(r, p, a, access.ProjectResource(pid), hidden); err != nil {
		return p, nil, err
	}
	proj, err := h.projects.Get(r.Context(), pid)
	if err != nil {
		return p, nil, err
	}
	return p, proj, nil
}

// view is the project with its members.
func (h *handler) view(r *http.Request, proj *project.Project) (projectView, error) {
	members, err := h.projects.Members(r.Context(), proj.ID)
	return projectView{Project: proj, Members: members}, err
}

// getProject serves GET /projects/{p}: the project and its members, for
// members.
func (h *handler) getProject(w http.ResponseWriter, r *http.Request) error {
	_, proj, err := h.loadProject(r, access.ReadProject)
	if err != nil {
		return err
	}
	v, err := h.view(r, proj)
	if err != nil {
		return err
	}
	httpapi.WriteJSON(w, http.StatusOK, v)
	return nil
}

// setMember serves PUT /projects/{p}/members/{user} {role}: owners add a
// member or change a role; the last owner cannot be demoted.
func (h *handler) setMember(w http.ResponseWriter, r *http.Request) error {
	p, proj, err := h.loadProject(r, access.ManageProject)
	if err != nil {
		return err
	}
	user, err := ids.ParseUserID(r.PathValue("user"))
	if err != nil {
		return err
	}
	var req memberRequest
	if err := httpapi.Decode(r, &req); err != nil {
		return err
	}
	role, err := project.ParseRole(req.Role)
	if err != nil {
		return err
	}
	m, err := h.projects.SetMember(r.Context(), proj.ID, user, role, ids.UserID(p.ID), h.clock())
	if err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.Entry{Space: ids.ProjectSpace(proj.ID), Action: audit.MemberSet, Target: memberTarget(proj.ID, string(user)), Role: string(role)})
	httpapi.WriteJSON(w, http.StatusOK, m)
	return nil
}

// memberTarget names a membership in audit entries.
func memberTarget(pid ids.ProjectID, user string) string {
	return "projects/" + string(pid) + "/members/" + user
}

// removeMember serves DELETE /projects/{p}/members/{user}: owners remove
// anyone, any member removes themself (leaves, access.LeaveProject: a
// person's credential with objects:write); the last owner cannot.
func (h *handler) removeMember(w http.ResponseWriter, r *http.Request) error {
	p, err := httpapi.UserOrJob(r, Name)
	if err != nil {
		return err
	}
	user, err := ids.ParseUserID(r.PathValue("user"))
	if err != nil {
		return err
	}
	action := access.ManageProject
	if string(user) == p.ID {
		// Leaving is a membership change: a person's credential with
		// objects:write, never a job token or a read-only API token.
		action = access.LeaveProject
	}
	_, proj, err := h.loadProject(r, action)
	if err != nil {
		return err
	}
	if err := h.projects.RemoveMember(r.Context(), proj.ID, user, ids.UserID(p.ID)); err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.Of(ids.ProjectSpace(proj.ID), audit.MemberRemoved, memberTarget(proj.ID, string(user))))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteProject serves DELETE /projects/{p}?force=: owners only. A project
// that holds objects is refused (409) unless force=true, which deletes its
// objects (bytes and metadata) first. New objects and jobs are refused from
// the moment the delete begins; its jobs that are not final are cancelled
// (the sweep destroys their secrets), and its id is never issued again.
func (h *handler) deleteProject(w http.ResponseWriter, r *http.Request) error {
	_, proj, err := h.loadProject(r, access.ManageProject)
	if err != nil {
		return err
	}
	force := false
	switch v := r.URL.Query().Get("force"); v {
	case "", "false":
	case "true":
		force = true
	default:
		return apperr.E(apperr.Invalid, "force must be true or false, not %q", shorten(v))
	}
	if err := h.projects.BeginDelete(r.Context(), proj.ID, force); err != nil {
		return err
	}
	h.audit.Write(r.Context(), audit.Of(ids.ProjectSpace(proj.ID), audit.ProjectDeleted, "projects/"+string(proj.ID)))
	// From here on the project is gone for its members; a failure below
	// is finished by the sweep.
	if err := purge.Space(r.Context(), h.objects, h.storage, h.bucket, ids.ProjectSpace(proj.ID)); err != nil {
		return &apperr.Error{Code: apperr.Unavailable, Cause: err,
			Message: fmt.Sprintf("project %s is being deleted; its objects could not all be deleted now, and the sweep finishes the job", proj.ID)}
	}
	if err := h.projects.FinishDelete(r.Context(), proj.ID, h.clock()); err != nil {
		return &apperr.Error{Code: apperr.Unavailable, Cause: err,
			Message: fmt.Sprintf("project %s is being deleted; the sweep finishes the job", proj.ID)}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// shorten keeps caller-supplied text short in messages.
func shorten(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
