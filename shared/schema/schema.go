// Package schema names the version of the stored form of every Firestore
// document valet keeps. Each document carries it in its Field
// ("schemaVersion"); the code writes the Current version of its
// collection and reads both that version and the one before it, so that
// the functions keep working while a migration (package migrate) upgrades
// the documents written by the previous release.
//
// A document without the field was written before versions existed:
// version 0 (migration 1 stamps it, see package migrate).
//
// Changing a collection's stored form takes three releases, each able to
// run beside the previous one during a rolling upgrade: (1) code that
// reads both forms and still writes the old one; (2) code that writes the
// new one, with the collection's version below raised by one, and a
// migration in package migrate from the old version to the new one (run
// by the sweep and by `valet-admin migrate`); (3) once `valet-admin
// migrate --status` reports it done, code that drops the old form
// (docs/operations.md, "Schema migrations").
package schema

// Field is the name of the version field in every stored document.
const Field = "schemaVersion"

// The current version of each collection's stored form: what the code
// writes. Nested collections (jobs/{id}/events, projects/{pid}/members)
// are named by their own collection id.
const (
	Jobs        = 1 // jobs/{id}: job.Job
	Events      = 1 // jobs/{id}/events/{seq}: job.Event
	Objects     = 1 // objects/{id}: object.Object
	Spaces      = 1 // spaces/{space}: a space's usage
	Projects    = 1 // projects/{pid}
	Members     = 1 // projects/{pid}/members/{uid}: project.Member
	Memberships = 1 // memberships/{pid}~{uid}
	Tombstones  = 1 // deletedProjects/{pid}
	APITokens   = 1 // apiTokens/{prefix}
	Audit       = 1 // spaces/{space}/audit/{id}: an audit.Entry
	Migrations  = 1 // schemaMigrations/{name}: a migration's checkpoint
)
