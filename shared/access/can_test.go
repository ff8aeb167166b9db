package access

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/project"
)

// actsOn is the kind of resource each action acts on, as the tests see it.
var actsOn = map[Action]ResourceKind{
	CreateJob:     JobKind,
	ReadJob:       JobKind,
	WriteJob:      JobKind,
	CreateObject:  ObjectKind,
	ReadObject:    ObjectKind,
	WriteObject:   ObjectKind,
	ReadAudit:     ObjectKind,
	ReadProject:   ProjectKind,
	ManageProject: ProjectKind,
	CreateProject: ProjectKind,
	LeaveProject:  ProjectKind,
}

// resourceIn is the resource action a acts on, in space.
func resourceIn(a Action, space ids.SpaceID) Resource {
	return Resource{Kind: actsOn[a], Space: space}
}

func user(id string, scopes ...string) identity.Principal {
	if len(scopes) == 0 {
		scopes = identity.AllScopes
	}
	return identity.Principal{Kind: identity.User, ID: id, Scopes: scopes}
}

// allowed turns a list of granted actions into a verdict for every action.
func allowed(granted ...Action) map[Action]bool {
	out := map[Action]bool{}
	for _, a := range Actions {
		out[a] = slices.Contains(granted, a)
	}
	return out
}

// everyUserMayCreateProjects: CreateProject needs no role, so it is granted
// in every row of the role table.
const everyUserMayCreateProjects = CreateProject

func TestCanByProjectRole(t *testing.T) {
	for _, tc := range []struct {
		who  string
		role project.Role
		may  map[Action]bool
	}{
		{"a non-member", project.None, allowed(everyUserMayCreateProjects)},
		{"a viewer", project.Viewer, allowed(ReadJob, ReadObject, ReadProject, LeaveProject, everyUserMayCreateProjects)},
		{"an editor", project.Editor, allowed(ReadJob, ReadObject, ReadProject, LeaveProject,
			CreateJob, WriteJob, CreateObject, WriteObject, everyUserMayCreateProjects)},
		{"an owner", project.Owner, allowed(ReadJob, ReadObject, ReadProject, LeaveProject,
			CreateJob, WriteJob, CreateObject, WriteObject, ManageProject, ReadAudit, everyUserMayCreateProjects)},
	} {
		for _, a := range Actions {
			verb := "may not"
			if tc.may[a] {
				verb = "may"
			}
			t.Run(fmt.Sprintf("%s %s %s", tc.who, verb, a), func(t *testing.T) {
				require.Equal(t, tc.may[a], Can(user("alice"), a, resourceIn(a, "projects/proj1"), tc.role))
			})
		}
	}
}

func TestCanInPersonalSpaces(t *testing.T) {
	alice := user("alice")
	for _, tc := range []struct {
		name  string
		space ids.SpaceID
		role  project.Role
		may   map[Action]bool
	}{
		{"in her own space alice works with jobs and objects and reads its audit trail", "users/alice", project.None,
			allowed(CreateJob, ReadJob, WriteJob, CreateObject, ReadObject, WriteObject, ReadAudit)},
		{"in bob's space alice may do nothing", "users/bob", project.None, allowed()},
		{"a role passed for bob's space grants nothing", "users/bob", project.Owner, allowed()},
		{"a role passed for her own space changes nothing", "users/alice", project.Owner,
			allowed(CreateJob, ReadJob, WriteJob, CreateObject, ReadObject, WriteObject, ReadAudit)},
	} {
		for _, a := range Actions {
			t.Run(fmt.Sprintf("%s: %s", tc.name, a), func(t *testing.T) {
				require.Equal(t, tc.may[a], Can(alice, a, resourceIn(a, tc.space), tc.role))
			})
		}
	}
}

func TestCanScopesOnlyNarrow(t *testing.T) {
	const proj = "projects/proj1"
	for _, tc := range []struct {
		name   string
		scopes []string
		action Action
		space  ids.SpaceID
		role   project.Role
		want   bool
	}{
		{"all does not narrow", []string{"all"}, WriteJob, proj, project.Editor, true},
		{"no scopes allow nothing", nil, ReadJob, "users/alice", project.None, false},
		{"jobs:read reads jobs", []string{"jobs:read"}, ReadJob, "users/alice", project.None, true},
		{"jobs:read does not write jobs", []string{"jobs:read"}, WriteJob, "users/alice", project.None, false},
		{"jobs:read does not create jobs", []string{"jobs:read"}, CreateJob, "users/alice", project.None, false},
		{"jobs:write reads jobs too", []string{"jobs:write"}, ReadJob, proj, project.Viewer, true},
		{"jobs:write does not read objects", []string{"jobs:write"}, ReadObject, "users/alice", project.None, false},
		{"objects:read reads objects", []string{"objects:read"}, ReadObject, proj, project.Viewer, true},
		{"objects:read does not create objects", []string{"objects:read"}, CreateObject, proj, project.Editor, false},
		{"objects:read does not write objects", []string{"objects:read"}, WriteObject, proj, project.Editor, false},
		{"objects:write creates objects", []string{"objects:write"}, CreateObject, proj, project.Editor, true},
		{"objects:write does not read jobs", []string{"objects:write"}, ReadJob, proj, project.Owner, false},
		{"objects:read reads the project", []string{"objects:read"}, ReadProject, proj, project.Viewer, true},
		{"jobs:read reads the project", []string{"jobs:read"}, ReadProject, proj, project.Viewer, true},
		{"objects:read does not manage the project", []string{"objects:read"}, ManageProject, proj, project.Owner, false},
		{"jobs:write does not manage the project", []string{"jobs:write"}, ManageProject, proj, project.Owner, false},
		{"objects:write manages the project", []string{"objects:write"}, ManageProject, proj, project.Owner, true},
		{"objects:write leaves the project", []string{"objects:write"}, LeaveProject, proj, project.Viewer, true},
		{"jobs:read does not leave the project", []string{"jobs:read"}, LeaveProject, proj, project.Viewer, false},
		{"objects:read does not leave the project", []string{"objects:read"}, LeaveProject, proj, project.Owner, false},
		{"jobs:write does not leave the project", []string{"jobs:write"}, LeaveProject, proj, project.Editor, false},
		{"objects:write for the new space creates a project", []string{"objects:write@projects/proj1"}, CreateProject, proj, project.None, true},
		{"objects:write for another space does not create a project", []string{"objects:write@projects/other"}, CreateProject, proj, project.None, false},
		{"jobs:write does not create a project", []string{"jobs:write"}, CreateProject, proj, project.None, false},
		{"a scope for the space allows there", []string{"jobs:write@projects/proj1"}, WriteJob, proj, project.Editor, true},
		{"a scope for another space allows nothing here", []string{"jobs:write@projects/other"}, WriteJob, proj, project.Editor, false},
		{"a scope for her own space does not reach the project", []string{"objects:read@users/alice"}, ReadObject, proj, project.Owner, false},
		{"a scope never widens: a viewer with jobs:write may not cancel", []string{"jobs:write"}, WriteJob, proj, project.Viewer, false},
		{"a scope never widens: objects:write gives no access to bob's space", []string{"objects:write@users/bob"}, ReadObject, "users/bob", project.None, false},
		{"all reads the audit trail", []string{"all"}, ReadAudit, proj, project.Owner, true},
		{"objects:write does not read the audit trail", []string{"objects:write"}, ReadAudit, proj, project.Owner, false},
		{"tokens:manage does not read the audit trail", []string{"tokens:manage"}, ReadAudit, "users/alice", project.None, false},
		{"a scope for the space does not read its audit trail", []string{"objects:write@users/alice", "jobs:write@users/alice"}, ReadAudit, "users/alice", project.None, false},
		{"a malformed scope allows nothing", []string{"jobs:read@nowhere"}, ReadJob, "users/alice", project.None, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := identity.Principal{Kind: identity.User, ID: "alice", Scopes: tc.scopes}
			require.Equal(t, tc.want, Can(p, tc.action, resourceIn(tc.action, tc.space), tc.role))
		})
	}
}

func TestCanByPrincipalKind(t *testing.T) {
	runningJob := identity.Principal{Kind: identity.Job, ID: "alice", Scopes: []string{"jobs:read", "objects:write"}}
	service := identity.Principal{Kind: identity.Service, ID: "alice", Scopes: identity.AllScopes}
	noID := identity.Principal{Kind: identity.User, Scopes: identity.AllScopes}
	noKind := identity.Principal{ID: "alice", Scopes: identity.AllScopes}

	for _, tc := range []struct {
		name   string
		p      identity.Principal
		action Action
		space  ids.SpaceID
		role   project.Role
		want   bool
	}{
		{"a running job writes its user's objects", runningJob, WriteObject, "users/alice", project.None, true},
		{"a running job reads its user's jobs", runningJob, ReadJob, "users/alice", project.None, true},
		{"a running job is narrowed by its scopes", runningJob, WriteJob, "users/alice", project.None, false},
		{"a running job acts with its user's role", runningJob, CreateObject, "projects/proj1", project.Editor, true},
		{"a running job has no more than its user's role", runningJob, CreateObject, "projects/proj1", project.Viewer, false},
		{"a running job stays out of other users' spaces", runningJob, ReadObject, "users/bob", project.None, false},
		{"a running job does not create projects", runningJob, CreateProject, "projects/proj1", project.None, false},
		{"a running job does not manage its owner's project", runningJob, ManageProject, "projects/proj1", project.Owner, false},
		{"a running job does not leave its owner's project, even with objects:write", runningJob, LeaveProject, "projects/proj1", project.Viewer, false},
		{"a running job reads its owner's project", runningJob, ReadProject, "projects/proj1", project.Owner, true},
		{"a service does not read a user's jobs", service, ReadJob, "users/alice", project.None, false},
		{"a service does not read a project's objects", service, ReadObject, "projects/proj1", project.Owner, false},
		{"a service does not create projects", service, CreateProject, "projects/proj1", project.None, false},
		{"a principal without id does nothing", noID, ReadObject, "projects/proj1", project.Owner, false},
		{"a principal without kind does nothing", noKind, ReadObject, "users/alice", project.None, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Can(tc.p, tc.action, resourceIn(tc.action, tc.space), tc.role))
		})
	}
}

func TestCanRefusesBadInput(t *testing.T) {
	alice := user("alice")
	for _, tc := range []struct {
		name   string
		action Action
		r      Resource
		role   project.Role
	}{
		{"an unknown action", Action("jobs.delete"), resourceIn(ReadJob, "users/alice"), project.Owner},
		{"the empty action", "", resourceIn(ReadJob, "users/alice"), project.Owner},
		{"ReadObject on a job", ReadObject, Resource{Kind: JobKind, Space: "users/alice"}, project.Owner},
		{"ReadJob on an object", ReadJob, ObjectResource("users/alice"), project.Owner},
		{"ManageProject on an object", ManageProject, ObjectResource("projects/proj1"), project.Owner},
		{"a resource without kind", ReadObject, Resource{Space: "users/alice"}, project.Owner},
		{"an empty space", ReadObject, ObjectResource(""), project.Owner},
		{"a space of an unknown kind", ReadObject, ObjectResource("groups/alice"), project.Owner},
		{"a space without id", ReadObject, ObjectResource("users/"), project.Owner},
		{"a space with a bad project id", ReadObject, ObjectResource("projects/P1"), project.Owner},
		{"a space with a path in it", ReadObject, ObjectResource("users/alice/../bob"), project.Owner},
		{"a space without a slash", ReadObject, ObjectResource("alice"), project.Owner},
		{"a project in a personal space", ReadProject, Resource{Kind: ProjectKind, Space: "users/alice"}, project.Owner},
		{"managing a personal space", ManageProject, Resource{Kind: ProjectKind, Space: "users/alice"}, project.Owner},
		{"creating a project named like a personal space", CreateProject, Resource{Kind: ProjectKind, Space: "users/alice"}, project.None},
		{"a project with an empty id", ReadProject, ProjectResource(""), project.Owner},
		{"an unknown role", ReadObject, ObjectResource("projects/proj1"), project.Role("admin")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.False(t, Can(alice, tc.action, tc.r, tc.role))
		})
	}
}

func TestCanJobIn(t *testing.T) {
	alice, bob := user("alice"), user("bob")
	alicesJob := &job.Job{ID: "j1", Owner: "alice"}
	projectJob := &job.Job{ID: "j2", Owner: "alice", Project: "proj1"}

	for _, tc := range []struct {
		name   string
		p      identity.Principal
		action Action
		j      *job.Job
		role   project.Role
		want   bool
	}{
		{"the owner cancels her personal job", alice, WriteJob, alicesJob, project.None, true},
		{"a role gives no way into another user's personal job", bob, ReadJob, alicesJob, project.Owner, false},
		{"a viewer reads a project job", bob, ReadJob, projectJob, project.Viewer, true},
		{"a viewer may not cancel a project job", bob, WriteJob, projectJob, project.Viewer, false},
		{"an editor cancels another member's project job", bob, WriteJob, projectJob, project.Editor, true},
		{"an editor submits to the project", bob, CreateJob, projectJob, project.Editor, true},
		{"the submitter who left the project loses its job", alice, ReadJob, projectJob, project.None, false},
		{"a nil job is refused", alice, ReadJob, nil, project.Owner, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, CanJobIn(tc.p, tc.action, tc.j, tc.role))
		})
	}
}

func TestResources(t *testing.T) {
	require.Equal(t, Resource{Kind: JobKind, Space: "users/alice", Owner: "alice"}, JobResource(&job.Job{Owner: "alice"}))
	require.Equal(t, Resource{Kind: JobKind, Space: "projects/proj1", Owner: "alice"}, JobResource(&job.Job{Owner: "alice", Project: "proj1"}))
	require.Equal(t, Resource{Kind: JobKind}, JobResource(nil))
	require.Equal(t, Resource{Kind: ObjectKind, Space: "users/alice"}, ObjectResource("users/alice"))
	require.Equal(t, Resource{Kind: ProjectKind, Space: "projects/proj1"}, ProjectResource("proj1"))
}

// TestEveryActionIsInThePolicy keeps Actions, the tests' table and the
// policy's rules in step: a new action must be added to all three.
func TestEveryActionIsInThePolicy(t *testing.T) {
	require.Len(t, actsOn, len(Actions), "actsOn and Actions differ")
	require.Len(t, rules, len(Actions), "rules and Actions differ")
	seen := map[Action]bool{}
	for _, a := range Actions {
		require.False(t, seen[a], "%s is listed twice in Actions", a)
		seen[a] = true
		require.Contains(t, actsOn, a, "%s is missing from the tests' table", a)
		require.Contains(t, rules, a, "%s is missing from the policy", a)
		require.Equal(t, actsOn[a], rules[a].kind, "%s acts on another kind than the tests expect", a)
		require.True(t, Can(user("alice"), a, resourceIn(a, "projects/proj1"), project.Owner),
			"a project owner with all scopes may do %s", a)
	}
}
