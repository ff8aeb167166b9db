package project

import (
	"context"
	"time"

	"valet.dev/valet/shared/ids"
)

// MaxListed bounds what Store.Members and Store.Memberships return.
const MaxListed = 1000

// Membership is one project a user belongs to, with their role there.
type Membership struct {
	Project ids.ProjectID `json:"project"`
	Role    Role          `json:"role"`
}

// Store keeps projects, their members and each user's memberships. Every
// member change runs as one transaction that also enforces CheckChange and
// re-reads the acting user's role, so a concurrent demotion cannot let one
// more change through. The conformance suite projecttest states the
// contract as tests; every implementation runs it.
//
// # Errors
//
// Bad ids and roles: apperr.Invalid, before the backend is touched. A
// project that is absent or being deleted: apperr.NotFound (Role answers
// None instead). Membership rules: apperr.Conflict. A demoted actor:
// apperr.PermissionDenied. Backend failures: apperr.Unavailable or
// apperr.Internal.
type Store interface {
	// Create stores p with owner as its first member (role Owner), in one
	// transaction. An empty p.CreatedBy becomes owner and a zero
	// p.CreatedAt becomes now (p is updated). Conflict when a project with
	// that id exists, even one being deleted, or ever existed: the id of a
	// deleted project is never issued again.
	Create(ctx context.Context, p *Project, owner ids.UserID, now time.Time) error
	// Get returns the project: NotFound when absent or being deleted.
	Get(ctx context.Context, pid ids.ProjectID) (*Project, error)
	// Role returns user's role in pid: None, without an error, when user is
	// not a member or the project is absent or being deleted.
	Role(ctx context.Context, pid ids.ProjectID, user ids.UserID) (Role, error)
	// Members lists the project's members sorted by user id, at most
	// MaxListed. NotFound when the project is absent or being deleted.
	Members(ctx context.Context, pid ids.ProjectID) ([]Member, error)
	// SetMember adds user with role, or changes their role, on behalf of
	// by, who must be an owner (NotFound when by is not a member,
	// PermissionDenied when not an owner). A member whose role changes
	// keeps AddedBy and AddedAt; setting the role they have writes
	// nothing. Conflict for the last owner's demotion.
	SetMember(ctx context.Context, pid ids.ProjectID, user ids.UserID, role Role, by ids.UserID, now time.Time) (Member, error)
	// RemoveMember removes user on behalf of by: user themself (leaving)
	// or an owner. NotFound when user or by is not a member; Conflict for
	// the last owner.
	RemoveMember(ctx context.Context, pid ids.ProjectID, user, by ids.UserID) error
	// Memberships returns the projects user belongs to with their role
	// there, sorted by project id, at most MaxListed. A project being
	// deleted may appear until FinishDelete has run.
	Memberships(ctx context.Context, user ids.UserID) ([]Membership, error)
	// BeginDelete marks the project deleting and retires its id: from then
	// on Get and Members answer NotFound, Role answers None, member changes
	// are refused, and no object or job joins it. Conflict when its space
	// still holds objects and force is false; NotFound when absent. Again
	// on a project being deleted it does nothing.
	BeginDelete(ctx context.Context, pid ids.ProjectID, force bool) error
	// FinishDelete cancels the jobs of a project marked by BeginDelete
	// that are not final, then removes its members, memberships and
	// record (its objects are the object store's). Conflict when the
	// project exists and is not being deleted; on an absent project, or
	// again, it does nothing.
	FinishDelete(ctx context.Context, pid ids.ProjectID, now time.Time) error
	// Deleting returns up to limit (1 to 1000) ids of projects whose delete
	// began and did not finish: the sweep completes them.
	Deleting(ctx context.Context, limit int) ([]ids.ProjectID, error)
}

// RoleIn is user's role in project pid, read from s: None, without a
// read, for no project (a personal job or space).
func RoleIn(ctx context.Context, s Store, pid ids.ProjectID, user ids.UserID) (Role, error) {
	if pid == "" {
		return None, nil
	}
	return s.Role(ctx, pid, user)
}
