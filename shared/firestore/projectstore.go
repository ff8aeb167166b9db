package firestore

import (
	"context"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/schema"
)

// Collections of the project store (a contract other stores rely on):
//   - projects/{pid}: the project.Project fields plus "deleting" (bool) and
//     "owners" (int64, how many members are owners, kept in the same
//     transaction as every member change);
//   - projects/{pid}/members/{uid}: a project.Member;
//   - memberships/{pid}~{uid}: {project, user, role}, written in the same
//     transactions as the member, so a user's projects are one single-field
//     query (user ==) without a collection-group index;
//   - deletedProjects/{pid}: the tombstone of a deleted project, written in
//     the transaction that begins its delete and never removed. Create and
//     the job store's Create read it in their transactions, so a deleted
//     project's id is never issued again (its jobs and objects can never
//     fall to whoever would create it next) and no job joins a project
//     whose delete has begun.
//
// The objects store keeps per-space usage in spaces/{space id with '/'
// replaced by ':'} with an int64 "objects" field (absent doc: 0); it refuses
// new objects in a project whose doc is absent or deleting.
const (
	ProjectsCollection    = "projects"
	MembersCollection     = "members"
	MembershipsCollection = "memberships"
	TombstonesCollection  = "deletedProjects"
)

// ProjectStore is project.Store in Firestore: projects, their members and
// the memberships index (errors as project.Store states them; database
// failures as RunTransaction maps them).
type ProjectStore struct{ store }

var _ project.Store = (*ProjectStore)(nil)

// NewProjectStore returns a ProjectStore on client's (default) database.
func NewProjectStore(c *firestore.Client, opts ...StoreOption) *ProjectStore {
	return &ProjectStore{newStore(c, opts)}
}

// projectDoc is the stored form of projects/{pid}.
type projectDoc struct {
	ID          ids.ProjectID `firestore:"id"`
	DisplayName string        `firestore:"displayName"`
	CreatedBy   ids.UserID    `firestore:"createdBy"`
	CreatedAt   time.Time     `firestore:"createdAt"`
	Deleting    bool          `firestore:"deleting"`
	Owners      int64         `firestore:"owners"`
	// SchemaVersion: see package schema.
	SchemaVersion int `firestore:"schemaVersion"`
}

func (d *projectDoc) project() *project.Project {
	return &project.Project{ID: d.ID, DisplayName: d.DisplayName, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt}
}

// membershipDoc is the stored form of memberships/{pid}~{uid}.
type membershipDoc struct {
	Project ids.ProjectID `firestore:"project"`
	User    ids.UserID    `firestore:"user"`
	Role    project.Role  `firestore:"role"`
	// SchemaVersion: see package schema.
	SchemaVersion int `firestore:"schemaVersion"`
}

// newMembership is the current stored form of user's role in pid.
func newMembership(pid ids.ProjectID, user ids.UserID, role project.Role) membershipDoc {
	return membershipDoc{Project: pid, User: user, Role: role, SchemaVersion: schema.Memberships}
}

// setMember writes m, in the current stored form of a member (its
// SchemaVersion is set), and its membership in tx: the two are always
// written together.
func (s *ProjectStore) setMember(tx *firestore.Transaction, pid ids.ProjectID, m *project.Member) error {
	m.SchemaVersion = schema.Members
	if err := tx.Set(s.memberRef(pid, m.User), *m); err != nil {
		return err
	}
	return tx.Set(s.membershipRef(pid, m.User), newMembership(pid, m.User, m.Role))
}

func decodeMembership(snap *firestore.DocumentSnapshot) (project.Membership, error) {
	d, err := decodeAs[membershipDoc](snap, "membership")
	if err != nil {
		return project.Membership{}, err
	}
	return project.Membership{Project: d.Project, Role: d.Role}, nil
}

func (s *ProjectStore) projectRef(pid ids.ProjectID) *firestore.DocumentRef {
	return s.client.Collection(ProjectsCollection).Doc(string(pid))
}

func (s *ProjectStore) memberRef(pid ids.ProjectID, user ids.UserID) *firestore.DocumentRef {
	return s.projectRef(pid).Collection(MembersCollection).Doc(string(user))
}

func (s *ProjectStore) membershipRef(pid ids.ProjectID, user ids.UserID) *firestore.DocumentRef {
	return s.client.Collection(MembershipsCollection).Doc(string(pid) + "~" + string(user))
}

// tombstoneRef is where the tombstone of a deleted project pid lives.
func tombstoneRef(c *firestore.Client, pid ids.ProjectID) *firestore.DocumentRef {
	return c.Collection(TombstonesCollection).Doc(string(pid))
}

// tombstoneDoc is the stored form of deletedProjects/{pid}.
type tombstoneDoc struct {
	ID        ids.ProjectID `firestore:"id"`
	DeletedAt time.Time     `firestore:"deletedAt,serverTimestamp"`
	// SchemaVersion: see package schema.
	SchemaVersion int `firestore:"schemaVersion"`
}

// newTombstone is the current stored form of pid's tombstone.
func newTombstone(pid ids.ProjectID) tombstoneDoc {
	return tombstoneDoc{ID: pid, SchemaVersion: schema.Tombstones}
}

// deleted reads in tx whether project pid was ever deleted.
func deleted(tx *firestore.Transaction, c *firestore.Client, pid ids.ProjectID) (bool, error) {
	snap, err := tx.Get(tombstoneRef(c, pid))
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return snap.Exists(), nil
}

func projectNotFound(pid ids.ProjectID) error {
	return apperr.E(apperr.NotFound, "project %s not found", pid)
}

func decodeProject(snap *firestore.DocumentSnapshot) (*projectDoc, error) {
	return decodeNamed(snap, "project", func(d *projectDoc) *ids.ProjectID { return &d.ID })
}

// live passes on a project read, NotFound when it is being deleted (as
// when it is absent).
func live(d *projectDoc, err error) (*projectDoc, error) {
	if err == nil && d.Deleting {
		return nil, projectNotFound(d.ID)
	}
	return d, err
}

// liveProject reads project pid in tx: NotFound when absent or being
// deleted. The object store asks it too, in the transaction that lets an
// object into the project's space.
func liveProject(tx *firestore.Transaction, c *firestore.Client, pid ids.ProjectID) (*projectDoc, error) {
	return live(txDoc(tx, c.Collection(ProjectsCollection).Doc(string(pid)), projectNotFound(pid), decodeProject))
}

// checkProjectID checks pid again: a typed id converted without parsing
// must not reach Firestore.
func checkProjectID(pid ids.ProjectID) error {
	_, err := ids.ParseProjectID(string(pid))
	return err
}

// checkUsers checks each user id again (see checkProjectID).
func checkUsers(users ...ids.UserID) error {
	for _, u := range users {
		if _, err := ids.ParseUserID(string(u)); err != nil {
			return err
		}
	}
	return nil
}

func parsePIDUser(pid ids.ProjectID, users ...ids.UserID) error {
	if err := checkProjectID(pid); err != nil {
		return err
	}
	return checkUsers(users...)
}

// Create stores p with owner as its first member (role owner; owners = 1),
// and owner's membership, in one transaction. An empty p.CreatedBy becomes
// owner and a zero p.CreatedAt becomes now (p is updated).
//
// Errors: Invalid for a bad p.ID or owner; Conflict when a project with that
// id exists, even one being deleted, or ever existed and was deleted (ids
// are never reissued: see the tombstones above).
func (s *ProjectStore) Create(ctx context.Context, p *project.Project, owner ids.UserID, now time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := parsePIDUser(p.ID, owner); err != nil {
		return err
	}
	if p.CreatedBy == "" {
		p.CreatedBy = owner
	}
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	doc := projectDoc{ID: p.ID, DisplayName: p.DisplayName, CreatedBy: p.CreatedBy, CreatedAt: p.CreatedAt, Owners: 1, SchemaVersion: schema.Projects}
	return RunTransaction(ctx, s.client, func(ctx context.Context, tx *firestore.Transaction) error {
		snap, err := tx.Get(s.projectRef(p.ID))
		if err != nil && !IsNotFound(err) {
			return err
		}
		if snap != nil && snap.Exists() {
			return apperr.E(apperr.Conflict, "project %s already exists; choose another id", p.ID)
		}
		gone, err := deleted(tx, s.client, p.ID)
		if err != nil {
			return err
		}
		if gone {
			return apperr.E(apperr.Conflict, "project id %s belonged to a deleted project and is never reissued; choose another id", p.ID)
		}
		if err := tx.Create(s.projectRef(p.ID), doc); err != nil {
			return err
		}
		return s.setMember(tx, p.ID, &project.Member{User: owner, Role: project.Owner, AddedBy: owner, AddedAt: now})
	})
}

// Get returns the project: NotFound when absent or being deleted.
func (s *ProjectStore) Get(ctx context.Context, pid ids.ProjectID) (*project.Project, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkProjectID(pid); err != nil {
		return nil, err
	}
	d, err := live(getDoc(ctx, s.projectRef(pid), projectNotFound(pid), decodeProject))
	if err != nil {
		return nil, err
	}
	return d.project(), nil
}

// Role returns user's role in pid: project.None, without an error, when user
// is not a member or the project is absent or being deleted.
func (s *ProjectStore) Role(ctx context.Context, pid ids.ProjectID, user ids.UserID) (project.Role, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := parsePIDUser(pid, user); err != nil {
		return project.None, err
	}
	snaps, err := s.client.GetAll(ctx, []*firestore.DocumentRef{s.projectRef(pid), s.memberRef(pid, user)})
	if err != nil {
		return project.None, readError(ctx, err)
	}
	d, err := docOf(snaps[0], nil, nil, decodeProject)
	if err != nil {
		return project.None, err
	}
	if d == nil || d.Deleting || !snaps[1].Exists() {
		return project.None, nil
	}
	m, err := decodeMember(snaps[1])
	if err != nil {
		return project.None, err
	}
	return m.Role, nil
}
