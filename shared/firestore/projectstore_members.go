package firestore

import (
	"context"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
)

func decodeMember(snap *firestore.DocumentSnapshot) (project.Member, error) {
	m, err := decodeNamed(snap, "member", func(m *project.Member) *ids.UserID { return &m.User })
	if err != nil {
		return project.Member{}, err
	}
	return *m, nil
}

// Members lists the project's members sorted by user id: at most
// project.MaxListed (1000) of them. NotFound when the project is absent or
// being deleted.
func (s *ProjectStore) Members(ctx context.Context, pid ids.ProjectID) ([]project.Member, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if _, err := s.Get(ctx, pid); err != nil {
		return nil, err
	}
	return queryAll(ctx, s.projectRef(pid).Collection(MembersCollection).
		OrderBy(firestore.DocumentID, firestore.Asc).
		Limit(project.MaxListed), decodeMember)
}

// SetMember adds user to the project with role, or changes their role, on
// behalf of by, in one transaction that keeps the project's owners count
// and user's membership in step and enforces project.CheckChange (the last
// owner cannot be demoted). The same transaction reads by's role and
// requires an owner (see requireManager): a check made before, then a
// concurrent demotion of by, cannot let one more change through. It
// returns the member; a member whose role changes keeps their AddedBy and
// AddedAt, and setting the role they already have writes nothing.
//
// Errors: Invalid for a bad pid, user, by or role; NotFound when the
// project is absent or being deleted, or by is not a member;
// PermissionDenied when by is not an owner; Conflict for the last owner's
// demotion.
func (s *ProjectStore) SetMember(ctx context.Context, pid ids.ProjectID, user ids.UserID, role project.Role, by ids.UserID, now time.Time) (project.Member, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := parsePIDUser(pid, user, by); err != nil {
		return project.Member{}, err
	}
	if _, err := project.ParseRole(string(role)); err != nil {
		return project.Member{}, err
	}
	var out project.Member
	err := RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		d, err := liveProject(tx, s.client, pid)
		if err != nil {
			return err
		}
		if err := s.requireManager(tx, pid, by, user); err != nil {
			return err
		}
		current, err := s.member(tx, pid, user)
		if err != nil {
			return err
		}
		if err := project.CheckChange(current.Role, role, int(d.Owners)); err != nil {
			return err
		}
		out = current
		if current.Role == role {
			return nil
		}
		if current.Role == project.None {
			out = project.Member{User: user, AddedBy: by, AddedAt: now}
		}
		out.Role = role
		return s.writeMemberChange(tx, pid, d.Owners, current.Role, &out)
	})
	if err != nil {
		return project.Member{}, err
	}
	return out, nil
}

// RemoveMember removes user from the project and their membership, on
// behalf of by: user themself (leaving), or an owner, which the same
// transaction checks (see SetMember).
//
// Errors: Invalid for a bad pid, user or by; NotFound when the project is
// absent or being deleted, or user or by is not a member; PermissionDenied
// when by is another member than user and not an owner; Conflict for the
// last owner.
func (s *ProjectStore) RemoveMember(ctx context.Context, pid ids.ProjectID, user, by ids.UserID) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := parsePIDUser(pid, user, by); err != nil {
		return err
	}
	return RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		d, err := liveProject(tx, s.client, pid)
		if err != nil {
			return err
		}
		if by != user {
			if err := s.requireManager(tx, pid, by, user); err != nil {
				return err
			}
		}
		current, err := s.member(tx, pid, user)
		if err != nil {
			return err
		}
		if current.Role == project.None {
			return apperr.E(apperr.NotFound, "user %s is not a member of project %s", user, pid)
		}
		if err := project.CheckChange(current.Role, project.None, int(d.Owners)); err != nil {
			return err
		}
		return s.writeMemberChange(tx, pid, d.Owners, current.Role, &project.Member{User: user, Role: project.None})
	})
}

// requireManager reads by's role in tx and refuses anyone but an owner:
// NotFound for a non-member (the project is hidden from them, as from any
// non-member), PermissionDenied for a member of a lesser role. Callers
// check the role before too (access.Can); this check, in the transaction
// that writes, is the one a concurrent demotion cannot slip past.
func (s *ProjectStore) requireManager(tx *firestore.Transaction, pid ids.ProjectID, by, user ids.UserID) error {
	actor, err := s.member(tx, pid, by)
	if err != nil {
		return err
	}
	switch actor.Role {
	case project.Owner:
		return nil
	case project.None:
		return projectNotFound(pid)
	}
	return apperr.E(apperr.PermissionDenied, "%s is no longer an owner of project %s and may not change the membership of %s", by, pid, user)
}

// member reads user's member doc in tx; a non-member has Role None.
func (s *ProjectStore) member(tx *firestore.Transaction, pid ids.ProjectID, user ids.UserID) (project.Member, error) {
	snap, err := tx.Get(s.memberRef(pid, user))
	if IsNotFound(err) {
		return project.Member{User: user}, nil
	}
	if err != nil {
		return project.Member{}, err
	}
	return decodeMember(snap)
}

// writeMemberChange writes m (deleting it when m.Role is None; see
// setMember), its membership, and the owners count moved from the from
// role to m.Role.
func (s *ProjectStore) writeMemberChange(tx *firestore.Transaction, pid ids.ProjectID, owners int64, from project.Role, m *project.Member) error {
	if from == project.Owner {
		owners--
	}
	if m.Role == project.Owner {
		owners++
	}
	if err := tx.Update(s.projectRef(pid), []firestore.Update{{Path: "owners", Value: owners}}); err != nil {
		return err
	}
	if m.Role == project.None {
		if err := tx.Delete(s.memberRef(pid, m.User)); err != nil {
			return err
		}
		return tx.Delete(s.membershipRef(pid, m.User))
	}
	return s.setMember(tx, pid, m)
}

// Memberships returns the projects user belongs to, with their role there,
// sorted by project id: at most project.MaxListed (1000). A project being
// deleted may still appear until FinishDelete has run (Role and Get already
// treat it as gone).
func (s *ProjectStore) Memberships(ctx context.Context, user ids.UserID) ([]project.Membership, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkUsers(user); err != nil {
		return nil, err
	}
	// An equality on one field only: served by its single-field index.
	out, err := queryAll(ctx, s.client.Collection(MembershipsCollection).
		Where("user", "==", string(user)).
		Limit(project.MaxListed), decodeMembership)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b project.Membership) int { return strings.Compare(string(a.Project), string(b.Project)) })
	return out, nil
}
