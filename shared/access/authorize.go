package access

import (
	"context"

	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
)

// RoleIn is p's role in space, read from projects: its role in the project
// of a project space; project.None, without a read, for a personal space
// (Can decides those by id) and for a malformed one (Can refuses it).
func RoleIn(ctx context.Context, projects project.Store, p identity.Principal, space ids.SpaceID) (project.Role, error) {
	pid, _ := space.Project()
	return project.RoleIn(ctx, projects, pid, ids.UserID(p.ID))
}

// Authorize is Check with p's role in r's space read from projects first
// (RoleIn): what a handler asks before it acts on a job, an object, a space
// or a project. It returns the role too, for a caller that checks again
// later (in a transaction). Can and Check stay pure; this is the one place
// the policy is asked with a lookup in front of it.
func Authorize(ctx context.Context, projects project.Store, p identity.Principal, a Action, r Resource, hidden error) (project.Role, error) {
	role, err := RoleIn(ctx, projects, p, r.Space)
	if err != nil {
		return project.None, err
	}
	return role, Check(p, a, r, role, hidden)
}
