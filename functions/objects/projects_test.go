package objects

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
)

// spacesAnswer is the client's view of GET /spaces.
type spacesAnswer struct {
	Spaces []spaceView `json:"spaces"`
}

func (e *env) spaces(p string) []spaceView {
	e.t.Helper()
	var out spacesAnswer
	e.call(p, "GET", "/spaces", nil).Decode(e.t, http.StatusOK, &out)
	return out.Spaces
}

// unused is the usage of a space holding nothing, under the default quota.
var unused = usageView{QuotaBytes: object.DefaultQuotaBytes}

func TestSpacesListPersonalSpaceFirstThenProjects(t *testing.T) {
	e := newEnv(t, 0)
	alice, bob := unique("alice"), unique("bob")
	require.Equal(t, []spaceView{{ID: "users/" + bob, Kind: "user", Role: project.Owner, Usage: unused}}, e.spaces(user(bob)),
		"a new user has their personal space from the first call")

	pid := e.newProject(alice, map[string]project.Role{bob: project.Viewer})
	require.Equal(t, []spaceView{
		{ID: "users/" + alice, Kind: "user", Role: project.Owner, Usage: unused},
		{ID: "projects/" + pid, Kind: "project", Role: project.Owner, Usage: unused},
	}, e.spaces(user(alice)))
	require.Equal(t, []spaceView{
		{ID: "users/" + bob, Kind: "user", Role: project.Owner, Usage: unused},
		{ID: "projects/" + pid, Kind: "project", Role: project.Viewer, Usage: unused},
	}, e.spaces(user(bob)))

	require.Equal(t, http.StatusNoContent, e.call(user(alice), "DELETE", "/projects/"+pid+"/members/"+bob, nil).Status)
	require.Equal(t, []spaceView{{ID: "users/" + bob, Kind: "user", Role: project.Owner, Usage: unused}}, e.spaces(user(bob)))
}

func TestCreateProject(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	pid := unique("p")

	var got projectAnswer
	e.call(user(alice), "POST", "/projects", map[string]any{"id": pid, "displayName": "  Team  "}).Decode(t, http.StatusCreated, &got)
	require.Equal(t, pid, got.ID)
	require.Equal(t, "Team", got.DisplayName, "the display name is trimmed")
	require.Equal(t, alice, got.CreatedBy)
	require.Len(t, got.Members, 1)
	require.Equal(t, alice, string(got.Members[0].User))
	require.Equal(t, project.Owner, got.Members[0].Role)

	e.call(user(alice), "POST", "/projects", map[string]any{"displayName": "generated"}).Decode(t, http.StatusCreated, &got)
	_, err := ids.ParseProjectID(got.ID)
	require.NoError(t, err, "a generated id parses")
	require.NotEqual(t, pid, got.ID)

	e.call(user(unique("bob")), "POST", "/projects", map[string]any{"id": pid, "displayName": "again"}).RequireError(t, http.StatusConflict, apperr.Conflict, "")

	for name, body := range map[string]any{
		"bad id":                  map[string]any{"id": "Bad_ID", "displayName": "x"},
		"short id":                map[string]any{"id": "ab", "displayName": "x"},
		"no display name":         map[string]any{"id": unique("p")},
		"blank display name":      map[string]any{"id": unique("p"), "displayName": "   "},
		"long display name":       map[string]any{"id": unique("p"), "displayName": strings.Repeat("x", MaxDisplayNameLen+1)},
		"control in display name": map[string]any{"id": unique("p"), "displayName": "a\x01b"},
		"bidi in display name":    map[string]any{"id": unique("p"), "displayName": "team\u202e"},
		"unknown field":           map[string]any{"id": unique("p"), "displayName": "x", "owner": "bob"},
		"not json":                "{",
	} {
		t.Run(name, func(t *testing.T) {
			e.call(user(alice), "POST", "/projects", body).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
		})
	}
}

func TestGetProjectIsForMembers(t *testing.T) {
	e := newEnv(t, 0)
	owner, editor, viewer, stranger := unique("own"), unique("ed"), unique("view"), unique("str")
	pid := e.newProject(owner, map[string]project.Role{editor: project.Editor, viewer: project.Viewer})
	for _, u := range []string{owner, editor, viewer} {
		var got projectAnswer
		e.call(user(u), "GET", "/projects/"+pid, nil).Decode(t, http.StatusOK, &got)
		require.Equal(t, pid, got.ID)
		roles := map[string]project.Role{}
		for _, m := range got.Members {
			roles[string(m.User)] = m.Role
		}
		require.Equal(t, map[string]project.Role{owner: project.Owner, editor: project.Editor, viewer: project.Viewer}, roles)
	}
	e.call(user(stranger), "GET", "/projects/"+pid, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(owner), "GET", "/projects/"+unique("p"), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(owner), "GET", "/projects/BAD", nil).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
}

func TestMembersAreManagedByOwners(t *testing.T) {
	e := newEnv(t, 0)
	owner, editor, viewer, stranger := unique("own"), unique("ed"), unique("view"), unique("str")
	pid := e.newProject(owner, map[string]project.Role{editor: project.Editor, viewer: project.Viewer})
	path := func(u string) string { return "/projects/" + pid + "/members/" + u }

	for _, role := range []project.Role{project.Viewer, project.Editor, project.Owner} {
		newcomer := unique("new")
		var m project.Member
		e.call(user(owner), "PUT", path(newcomer), map[string]any{"role": role}).Decode(t, http.StatusOK, &m)
		require.Equal(t, newcomer, string(m.User))
		require.Equal(t, role, m.Role)
		require.Equal(t, owner, string(m.AddedBy))
	}
	var m project.Member
	e.call(user(owner), "PUT", path(viewer), map[string]any{"role": "editor"}).Decode(t, http.StatusOK, &m)
	require.Equal(t, project.Editor, m.Role, "an owner changes a role")
	e.call(user(owner), "PUT", path(viewer), map[string]any{"role": "viewer"}).Decode(t, http.StatusOK, &m)

	for _, u := range []string{editor, viewer} {
		e.call(user(u), "PUT", path(unique("x")), map[string]any{"role": "viewer"}).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "owner")
		e.call(user(u), "DELETE", path(owner), nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	}
	e.call(user(stranger), "PUT", path(stranger), map[string]any{"role": "owner"}).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(stranger), "DELETE", path(viewer), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")

	for name, body := range map[string]any{
		"bad role":      map[string]any{"role": "admin"},
		"no role":       map[string]any{},
		"none role":     map[string]any{"role": ""},
		"unknown field": map[string]any{"role": "viewer", "x": 1},
	} {
		t.Run(name, func(t *testing.T) {
			e.call(user(owner), "PUT", path(unique("x")), body).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
		})
	}
	e.call(user(owner), "PUT", path("Bad User"), map[string]any{"role": "viewer"}).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	e.call(user(owner), "DELETE", path("Bad"), nil).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	e.call(user(owner), "DELETE", path(unique("nobody")), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}

func TestLastOwnerCannotLeaveOrBeDemoted(t *testing.T) {
	e := newEnv(t, 0)
	owner, other := unique("own"), unique("other")
	pid := e.newProject(owner, map[string]project.Role{other: project.Editor})
	path := func(u string) string { return "/projects/" + pid + "/members/" + u }

	e.call(user(owner), "DELETE", path(owner), nil).RequireError(t, http.StatusConflict, apperr.Conflict, "")
	e.call(user(owner), "PUT", path(owner), map[string]any{"role": "editor"}).RequireError(t, http.StatusConflict, apperr.Conflict, "")

	var m project.Member
	e.call(user(owner), "PUT", path(other), map[string]any{"role": "owner"}).Decode(t, http.StatusOK, &m)
	e.call(user(owner), "PUT", path(owner), map[string]any{"role": "viewer"}).Decode(t, http.StatusOK, &m)
	require.Equal(t, project.Viewer, m.Role, "with another owner the first can be demoted")
	e.call(user(other), "DELETE", path(other), nil).RequireError(t, http.StatusConflict, apperr.Conflict, "")
	require.Equal(t, http.StatusNoContent, e.call(user(owner), "DELETE", path(owner), nil).Status, "and leave")
	e.call(user(owner), "GET", "/projects/"+pid, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}

func TestAnyMemberMayLeave(t *testing.T) {
	e := newEnv(t, 0)
	owner := unique("own")
	for _, role := range []project.Role{project.Viewer, project.Editor, project.Owner} {
		t.Run(string(role), func(t *testing.T) {
			member := unique(string(role))
			pid := e.newProject(owner, map[string]project.Role{member: role})
			require.Equal(t, http.StatusNoContent, e.call(user(member), "DELETE", "/projects/"+pid+"/members/"+member, nil).Status)
			e.call(user(member), "GET", "/projects/"+pid, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
			e.call(user(member), "DELETE", "/projects/"+pid+"/members/"+member, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
		})
	}
}

// TestLeavingNeedsAPersonWithObjectsWrite: leaving a project is a
// membership change, so a job token or an API token without objects:write
// cannot remove its user (issue 10, item 2); the member stays.
func TestLeavingNeedsAPersonWithObjectsWrite(t *testing.T) {
	e := newEnv(t, 0)
	owner, member := unique("own"), unique("mem")
	pid := e.newProject(owner, map[string]project.Role{member: project.Editor})
	leave := "/projects/" + pid + "/members/" + member
	for _, cred := range []string{
		"job:" + member + ":all", "job:" + member + ":objects:write",
		"user:" + member + ":jobs:read", "user:" + member + ":objects:read", "user:" + member + ":jobs:write",
		"user:" + member + ":objects:write@users/" + member,
	} {
		t.Run(cred, func(t *testing.T) {
			status, code := http.StatusForbidden, apperr.PermissionDenied
			if strings.Contains(cred, "@users/") {
				// a scope for another space cannot even read the project
				status, code = http.StatusNotFound, apperr.NotFound
			}
			e.call(cred, "DELETE", leave, nil).RequireError(t, status, code, "")
			var got projectAnswer
			e.call(user(owner), "GET", "/projects/"+pid, nil).Decode(t, http.StatusOK, &got)
			require.Len(t, got.Members, 2, "the member is still there")
		})
	}
	require.Equal(t, http.StatusNoContent, e.call("user:"+member+":objects:write@projects/"+pid, "DELETE", leave, nil).Status,
		"an API token with objects:write for the project leaves it")
}

func TestDeleteProject(t *testing.T) {
	e := newEnv(t, 0)
	owner, editor, viewer, stranger := unique("own"), unique("ed"), unique("view"), unique("str")
	pid := e.newProject(owner, map[string]project.Role{editor: project.Editor, viewer: project.Viewer})
	space := "projects/" + pid

	e.call(user(editor), "DELETE", "/projects/"+pid, nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call(user(viewer), "DELETE", "/projects/"+pid, nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call(user(stranger), "DELETE", "/projects/"+pid, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(owner), "DELETE", "/projects/"+pid+"?force=yes", nil).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")

	ready := e.upload(user(editor), space, "a.txt", []byte("hello"))
	pending := e.createObject(user(editor), space, "b.txt", []byte("pending")).Object
	e.call(user(owner), "DELETE", "/projects/"+pid, nil).RequireError(t, http.StatusConflict, apperr.Conflict, "")
	e.call(user(owner), "DELETE", "/projects/"+pid+"?force=false", nil).RequireError(t, http.StatusConflict, apperr.Conflict, "")
	_, ok := e.stored(ready.Key)
	require.True(t, ok, "a refused delete keeps the bytes")

	require.Equal(t, http.StatusNoContent, e.call(user(owner), "DELETE", "/projects/"+pid+"?force=true", nil).Status)
	_, ok = e.stored(ready.Key)
	require.False(t, ok, "force deletes the bytes")
	for _, id := range []ids.ObjectID{ready.ID, pending.ID} {
		_, err := e.objects.Get(t.Context(), id)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "force deletes the metadata")
	}
	e.call(user(owner), "GET", "/projects/"+pid, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(owner), "DELETE", "/projects/"+pid, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(editor), "POST", "/spaces/"+space+"/objects", map[string]any{"name": "x", "contentType": "text/plain", "sizeBytes": 1}).
		RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	for _, s := range e.spaces(user(editor)) {
		require.NotEqual(t, space, s.ID, "a deleted project leaves the members' spaces")
	}

	empty := e.newProject(owner, nil)
	require.Equal(t, http.StatusNoContent, e.call(user(owner), "DELETE", "/projects/"+empty, nil).Status, "an empty project needs no force")
}

func TestSpacesShowTheirUsage(t *testing.T) {
	e := newEnv(t, 1000)
	alice := unique("alice")
	e.upload(user(alice), "users/"+alice, "a.txt", []byte("twelve bytes"))
	e.createObject(user(alice), "users/"+alice, "b.txt", []byte("pending"))
	require.Equal(t, usageView{UsedBytes: 12, ReservedBytes: 7, Objects: 2, QuotaBytes: 1000}, e.spaces(user(alice))[0].Usage)
}

// TestDisplayNameRefusesBidiControls: every bidirectional formatting
// character is a 400 that names displayName and the character, and
// creates nothing.
func TestDisplayNameRefusesBidiControls(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	for _, r := range []rune{0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069} {
		pid := unique("p")
		msg := e.call(user(alice), "POST", "/projects", map[string]any{"id": pid, "displayName": "team " + string(r) + "x"}).
			RequireError(t, http.StatusBadRequest, apperr.Invalid, "displayName").Message
		require.Contains(t, msg, fmt.Sprintf("bidirectional control %U", r))
		e.call(user(alice), "GET", "/projects/"+pid, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	}
}
