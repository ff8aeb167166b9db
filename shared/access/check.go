package access

import (
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/project"
)

// Check is the one answer to p asking to do a to r, given p's role in r's
// project (see Can): nil when p may; hidden when p may not even read r,
// so that a caller cannot tell a resource it may not see from one that
// does not exist (hidden is the resource's not-found error, the same one
// an absent resource gets); otherwise 403 PermissionDenied saying what is
// missing, a role or a scope.
func Check(p identity.Principal, a Action, r Resource, role project.Role, hidden error) error {
	read := readAction[r.Kind]
	if !Can(p, read, r, role) {
		return hidden
	}
	if a != read && !Can(p, a, r, role) {
		return apperr.E(apperr.PermissionDenied, "you may read %s but not %s there: %s", r.Space, verb(a), why(p, role, a))
	}
	return nil
}

// readAction is the action that reads a kind of resource: what decides
// whether it is hidden.
var readAction = map[ResourceKind]Action{JobKind: ReadJob, ObjectKind: ReadObject, ProjectKind: ReadProject}

// verb names an action for messages.
func verb(a Action) string {
	switch a {
	case CreateJob:
		return "submit jobs"
	case WriteJob:
		return "change jobs"
	case CreateObject:
		return "create objects"
	case WriteObject:
		return "change or delete objects"
	case ManageProject:
		return "manage the project"
	case LeaveProject:
		return "leave the project"
	case ReadAudit:
		return "read the audit trail"
	}
	return string(a)
}

// why says, for messages, what is missing for a: a role (viewers only
// read, only owners manage) or, when the role suffices, a scope.
func why(p identity.Principal, role project.Role, a Action) string {
	switch {
	case (a == ManageProject || a == LeaveProject) && p.Kind == identity.Job:
		return "running jobs do not administer projects; a member who owns it must"
	case a == ReadAudit && p.Kind == identity.Job:
		return "running jobs do not read audit trails; an owner must"
	case a == ReadAudit && role != project.None && !role.AtLeast(project.Owner):
		return "only the space's owners read its audit trail"
	case a == ReadAudit:
		return "the audit trail is read with an ID token or an API token with scope all"
	case a == LeaveProject:
		return "leaving a project is a membership change: it needs an ID token or an API token with objects:write"
	case a == ManageProject && role != project.None && !role.AtLeast(project.Owner):
		return "only owners manage members and delete the project; ask an owner"
	case role == project.Viewer:
		return "viewers only read; ask an owner for the editor role"
	}
	if scopes := rules[a].scopes; len(scopes) > 0 {
		return "use a credential with the " + scopes[0] + " scope"
	}
	return "your credential's scopes do not allow it"
}
