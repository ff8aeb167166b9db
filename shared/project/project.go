// Package project holds projects and their members as plain values, and the
// pure rules of membership: the roles and their order, and the rule that a
// project always keeps an owner. Storage lives behind Store (its contract
// is the conformance suite projecttest; shared/firestore implements it);
// access decisions live in shared/access.
package project

import (
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
)

// Role is a member's role in a project. Each role includes the rights of
// the ones before it: viewer < editor < owner.
type Role string

// The roles.
const (
	// None is the role of someone who is not a member.
	None Role = ""
	// Viewer reads the project's objects and jobs.
	Viewer Role = "viewer"
	// Editor also writes objects, submits jobs and cancels them.
	Editor Role = "editor"
	// Owner also manages members and deletes the project.
	Owner Role = "owner"
)

var rank = map[Role]int{None: 0, Viewer: 1, Editor: 2, Owner: 3}

// ParseRole accepts viewer, editor or owner.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case Viewer, Editor, Owner:
		return r, nil
	}
	return None, apperr.E(apperr.Invalid, "role must be viewer, editor or owner, not %q", truncate(s))
}

// AtLeast reports whether r includes the rights of want. None includes
// nothing, not even None: a non-member never passes a role check.
func (r Role) AtLeast(want Role) bool {
	return r != None && rank[r] >= rank[want]
}

// Project is a shared space's record. Its space id is "projects/<ID>".
type Project struct {
	ID          ids.ProjectID `json:"id" firestore:"id"`
	DisplayName string        `json:"displayName" firestore:"displayName"`
	CreatedBy   ids.UserID    `json:"createdBy" firestore:"createdBy"`
	CreatedAt   time.Time     `json:"createdAt" firestore:"createdAt"`
}

// Member is one user's role in a project.
type Member struct {
	User    ids.UserID `json:"user" firestore:"user"`
	Role    Role       `json:"role" firestore:"role"`
	AddedBy ids.UserID `json:"addedBy" firestore:"addedBy"`
	AddedAt time.Time  `json:"addedAt" firestore:"addedAt"`
	// SchemaVersion is the version of the stored form (package schema);
	// the store sets it on every write.
	SchemaVersion int `json:"-" firestore:"schemaVersion"`
}

// CheckChange refuses a change of user's role from to, given the project's
// current count of owners: the last owner can neither be demoted nor
// removed (to == None). A project always keeps an owner.
func CheckChange(current Role, to Role, owners int) error {
	if current == Owner && to != Owner && owners <= 1 {
		return apperr.E(apperr.Conflict, "the last owner cannot leave or be demoted: make another member owner first, or delete the project")
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
