// Package access holds valet's whole access policy as one pure function,
// Can(principal, action, resource, role): who may do what to which job,
// object or project, decided from values the caller has already loaded, with
// no store or network behind it. Callers load the resource and the caller's
// role in its project, ask, and answer a refusal to read with 404 (the caller
// may not know the resource exists) and a refusal to change something it may
// read with 403: Check is that answer, and Authorize is Check with the role
// looked up in a project.Store first (the functions' one way to ask).
//
// # Who is judged
//
// User principals and Job principals (a running job's token, which acts as
// its runtime user: its ID is that user's) are judged the same way; a Job
// principal is narrowed by its scopes like any token. Service principals
// (dispatchers, the scheduler) never pass: they act through a job's lock,
// not through this policy. A principal without an id never passes.
//
// # Personal spaces
//
// In a personal space "users/<uid>" only that user (principal ID == uid)
// may create, read and write jobs and objects. A project role passed for a
// personal space grants nothing.
//
// # Project spaces
//
// In a project space "projects/<pid>" membership is the only way in, and
// each role includes the ones before it:
//   - viewer: ReadJob, ReadObject, ReadProject;
//   - editor: also CreateJob, WriteJob, CreateObject, WriteObject;
//   - owner: also ManageProject.
//
// A job's submitter has no right of its own to a project's job: a submitter
// who left the project (or was demoted) loses access to the jobs it
// submitted there, exactly like any other non-member.
//
// Any user principal may create a project (CreateProject). Any member may
// leave a project (LeaveProject: remove its own membership). Project
// administration (CreateProject, ManageProject, LeaveProject) is for people:
// a running job, which acts as its runtime user for jobs and objects, may
// neither create a project nor change its members, leave it or delete it.
//
// # Audit trails
//
// A space's audit trail (ReadAudit, on ObjectResource(space)) is read by
// its owners only: the user of a personal space, the owners of a project.
// It records every credential handed out in the space, so only an
// unnarrowed credential reads it: an ID token, or an API token with scope
// "all". A narrowed API token, whatever its scopes, and a running job's
// token never do.
//
// # Scopes
//
// A token's scopes only narrow the above, in the resource's space (package
// scope; write implies read): job actions need jobs:read or jobs:write,
// object actions objects:read or objects:write, ReadProject objects:read or
// jobs:read, ManageProject, LeaveProject and CreateProject objects:write
// (leaving is a membership change, not a read).
//
// # Refusals
//
// An unknown action, a resource of another kind than the action acts on
// (ReadObject on a job), and a malformed or empty space are refused.
package access

import (
	"slices"

	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/scope"
)

// Action is something a principal does to a resource.
type Action string

// The actions on jobs.
const (
	// CreateJob submits a job; the resource is the job to be created, with
	// its Owner and Project set.
	CreateJob Action = "jobs.create"
	// ReadJob reads a job, its events and its output and attestation.
	ReadJob Action = "jobs.read"
	// WriteJob changes a job: cancels it or re-issues its workspace upload.
	WriteJob Action = "jobs.write"
)

// The actions on objects; the resource is ObjectResource(space).
const (
	// CreateObject starts an object's upload in a space.
	CreateObject Action = "objects.create"
	// ReadObject gets, lists and downloads objects, and copies from one.
	ReadObject Action = "objects.read"
	// WriteObject deletes an object or revokes its URLs.
	WriteObject Action = "objects.write"
	// ReadAudit reads a space's audit trail; the resource is
	// ObjectResource(space).
	ReadAudit Action = "audit.read"
)

// The actions on projects; the resource is ProjectResource(id).
const (
	// ReadProject gets a project with its members.
	ReadProject Action = "projects.read"
	// ManageProject adds, changes and removes members and deletes the
	// project.
	ManageProject Action = "projects.manage"
	// CreateProject creates a project; the resource is the project to be
	// created, and the caller's role is ignored.
	CreateProject Action = "projects.create"
	// LeaveProject removes the caller's own membership of a project.
	LeaveProject Action = "projects.leave"
)

// Actions lists every action the policy knows, for tests that build an
// authorization matrix.
var Actions = []Action{
	CreateJob, ReadJob, WriteJob,
	CreateObject, ReadObject, WriteObject, ReadAudit,
	ReadProject, ManageProject, CreateProject, LeaveProject,
}

// rule is what one action asks of the principal and the resource.
type rule struct {
	kind ResourceKind
	// usersOnly refuses job principals.
	usersOnly bool
	// role is the least project role that allows the action in a project
	// space; None for CreateProject, which needs no membership.
	role project.Role
	// personal says the action applies to personal spaces too.
	personal bool
	// scopes lists the scopes of which any one allows the action; none
	// means only an unnarrowed credential (scope "all") may.
	scopes []string
}

var rules = map[Action]rule{
	CreateJob:     {kind: JobKind, role: project.Editor, personal: true, scopes: []string{scope.JobsWrite}},
	ReadJob:       {kind: JobKind, role: project.Viewer, personal: true, scopes: []string{scope.JobsRead}},
	WriteJob:      {kind: JobKind, role: project.Editor, personal: true, scopes: []string{scope.JobsWrite}},
	CreateObject:  {kind: ObjectKind, role: project.Editor, personal: true, scopes: []string{scope.ObjectsWrite}},
	ReadObject:    {kind: ObjectKind, role: project.Viewer, personal: true, scopes: []string{scope.ObjectsRead}},
	WriteObject:   {kind: ObjectKind, role: project.Editor, personal: true, scopes: []string{scope.ObjectsWrite}},
	ReadAudit:     {kind: ObjectKind, role: project.Owner, personal: true, usersOnly: true},
	ReadProject:   {kind: ProjectKind, role: project.Viewer, scopes: []string{scope.ObjectsRead, scope.JobsRead}},
	ManageProject: {kind: ProjectKind, role: project.Owner, usersOnly: true, scopes: []string{scope.ObjectsWrite}},
	CreateProject: {kind: ProjectKind, role: project.None, usersOnly: true, scopes: []string{scope.ObjectsWrite}},
	LeaveProject:  {kind: ProjectKind, role: project.Viewer, usersOnly: true, scopes: []string{scope.ObjectsWrite}},
}

// Can reports whether p may do a to r, given p's role in r's project
// (project.None for personal spaces and non-members). See the package doc
// for the policy.
func Can(p identity.Principal, a Action, r Resource, role project.Role) bool {
	if p.ID == "" || (p.Kind != identity.User && p.Kind != identity.Job) {
		return false
	}
	rl, ok := rules[a]
	if !ok || r.Kind != rl.kind || (rl.usersOnly && p.Kind != identity.User) {
		return false
	}
	space, err := ids.ParseSpaceID(string(r.Space))
	if err != nil {
		return false
	}
	if !allowedByRole(p, a, rl, space, role) {
		return false
	}
	if len(rl.scopes) == 0 {
		return slices.Contains(p.Scopes, scope.All)
	}
	for _, need := range rl.scopes {
		if scope.Allows(p.Scopes, need, space.String()) {
			return true
		}
	}
	return false
}

// allowedByRole is the policy before scopes narrow it: ownership of a
// personal space, or a sufficient role in a project.
func allowedByRole(p identity.Principal, a Action, rl rule, space ids.SpaceID, role project.Role) bool {
	if a == CreateProject {
		return space.Kind() == ids.ProjectSpaceKind
	}
	switch space.Kind() {
	case ids.UserSpaceKind:
		uid, _ := space.User()
		return rl.personal && string(uid) == p.ID
	case ids.ProjectSpaceKind:
		return role.AtLeast(rl.role)
	}
	return false
}
