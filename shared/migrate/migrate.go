// Package migrate upgrades stored Firestore documents from one version of
// their stored form (package schema) to the next, in bounded batches,
// while the functions keep serving.
//
// A Migration upgrades one collection (or every collection with one id,
// for nested ones such as jobs/{id}/events) from version From to version
// To. The Runner walks the collection in document-path order; each batch
// is one transaction that reads the migration's checkpoint document
// (schemaMigrations/{name}), the next documents after it, upgrades those
// still below To and writes the checkpoint, so:
//
//   - a crash loses nothing and repeats nothing: the next run resumes after
//     the last committed batch;
//   - it is idempotent: a document already at To (or above) is left alone,
//     so running again, or two runners at once (the sweep and
//     `valet-admin migrate`), only costs reads; racing runners serialize
//     on the checkpoint;
//   - a migration is done only after a whole pass that upgraded nothing: a
//     pass that upgraded documents is followed by another one, which
//     catches documents that the previous release's functions rewrote in
//     their old form behind the cursor during a rolling upgrade.
//
// The functions read both forms while a migration runs (see package
// schema), so nothing waits for it.
package migrate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cloud.google.com/go/firestore"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/schema"
)

// CheckpointCollection holds one checkpoint document per migration, named
// by the migration.
const CheckpointCollection = "schemaMigrations"

// MaxBatch bounds a batch: one transaction writes at most this many
// documents plus the checkpoint (Firestore allows 500 writes).
const MaxBatch = 400

// Migration upgrades the stored form of one collection.
type Migration struct {
	// Name identifies the migration and its checkpoint; never rename one
	// that shipped.
	Name string
	// Collection is the collection id; with Group, every collection of
	// that id at any depth (e.g. "events" under each job).
	Collection string
	Group      bool
	// From and To are the versions before and after.
	From, To int
	// Upgrade returns the field changes that turn data, a document of
	// version From, into version To; the runner adds the version field.
	// nil means the forms differ only in their version.
	Upgrade func(data map[string]any) ([]firestore.Update, error)
}

// checkpoint is the stored form of schemaMigrations/{name}.
type checkpoint struct {
	Name string `firestore:"name"`
	// After is the path (below the database's documents) of the last
	// document the current pass has done; "" at the start of a pass.
	After string `firestore:"after"`
	// Pass counts passes from 1; PassUpgraded counts the documents the
	// current pass upgraded.
	Pass         int64 `firestore:"pass"`
	PassUpgraded int64 `firestore:"passUpgraded"`
	// Scanned and Upgraded count documents over all passes.
	Scanned       int64     `firestore:"scanned"`
	Upgraded      int64     `firestore:"upgraded"`
	Done          bool      `firestore:"done"`
	UpdatedAt     time.Time `firestore:"updatedAt"`
	SchemaVersion int       `firestore:"schemaVersion"`
}

// Progress is where one migration stands.
type Progress struct {
	Name     string `json:"name"`
	Pass     int64  `json:"pass"`
	Scanned  int64  `json:"scanned"`
	Upgraded int64  `json:"upgraded"`
	Done     bool   `json:"done"`
}

// Report is the outcome of Step or Run: every migration's progress and
// how many documents this call upgraded.
type Report struct {
	Migrations []Progress `json:"migrations"`
	Upgraded   int        `json:"upgraded"`
	Done       bool       `json:"done"`
}

// Runner runs migrations, in order, on one database.
type Runner struct {
	client     *firestore.Client
	migrations []Migration
	now        func() time.Time
}

// New returns a runner of migrations on client's database; with none, of
// All.
func New(client *firestore.Client, migrations ...Migration) *Runner {
	if len(migrations) == 0 {
		migrations = All()
	}
	return &Runner{client: client, migrations: migrations, now: time.Now}
}

func (r *Runner) checkpointRef(m Migration) *firestore.DocumentRef {
	return r.client.Collection(CheckpointCollection).Doc(m.Name)
}

// Status reads every migration's progress without changing anything.
func (r *Runner) Status(ctx context.Context) (Report, error) {
	refs := make([]*firestore.DocumentRef, len(r.migrations))
	for i, m := range r.migrations {
		refs[i] = r.checkpointRef(m)
	}
	snaps, err := r.client.GetAll(ctx, refs)
	if err != nil {
		return Report{}, apperr.Wrap(err, apperr.Unavailable, "reading the migration checkpoints")
	}
	rep := Report{Done: true}
	for i, snap := range snaps {
		cp, err := decode(snap, r.migrations[i])
		if err != nil {
			return Report{}, err
		}
		rep.Migrations = append(rep.Migrations, cp.progress())
		rep.Done = rep.Done && cp.Done
	}
	return rep, nil
}

// Step upgrades at most limit documents (1..MaxBatch): of the first
// migration not done, then of the next ones while the limit allows. When
// every migration is done it costs one read of the checkpoints.
func (r *Runner) Step(ctx context.Context, limit int) (Report, error) {
	if limit < 1 || limit > MaxBatch {
		return Report{}, apperr.E(apperr.Invalid, "a batch is 1 to %d documents, not %d", MaxBatch, limit)
	}
	rep, err := r.Status(ctx)
	if err != nil || rep.Done {
		return rep, err
	}
	left := limit
	for i, m := range r.migrations {
		if left <= 0 {
			break
		}
		for !rep.Migrations[i].Done && left > 0 {
			p, scanned, upgraded, err := r.batch(ctx, m, left)
			if err != nil {
				return rep, err
			}
			rep.Migrations[i] = p
			rep.Upgraded += upgraded
			left -= max(scanned, 1)
		}
	}
	rep.Done = true
	for _, p := range rep.Migrations {
		rep.Done = rep.Done && p.Done
	}
	return rep, nil
}

// Run steps batches of batch documents until every migration is done or
// ctx ends, calling progress (if set) after each step.
func (r *Runner) Run(ctx context.Context, batch int, progress func(Report)) (Report, error) {
	total := 0
	for {
		rep, err := r.Step(ctx, batch)
		total += rep.Upgraded
		rep.Upgraded = total
		if err != nil {
			return rep, err
		}
		if progress != nil {
			progress(rep)
		}
		if rep.Done {
			return rep, nil
		}
		if err := ctx.Err(); err != nil {
			return rep, apperr.Wrap(err, apperr.Unavailable, "stopped before the migrations were done; run again to resume")
		}
	}
}

// batch runs one batch of m in a transaction and returns m's progress and
// how many documents it read and upgraded.
func (r *Runner) batch(ctx context.Context, m Migration, limit int) (p Progress, scanned, upgraded int, err error) {
	err = valetfs.RunTransaction(ctx, r.client, func(ctx context.Context, tx *firestore.Transaction) error {
		scanned, upgraded = 0, 0
		snap, err := tx.Get(r.checkpointRef(m))
		if err != nil && !valetfs.IsNotFound(err) {
			return err
		}
		cp, err := decode(snap, m)
		if err != nil {
			return err
		}
		if cp.Done {
			p = cp.progress()
			return nil
		}
		docs, err := tx.Documents(r.query(m, cp.After, limit)).GetAll()
		if err != nil {
			return err
		}
		for _, doc := range docs {
			scanned++
			changed, err := upgrade(tx, m, doc)
			if err != nil {
				return err
			}
			if changed {
				upgraded++
			}
		}
		cp.Scanned += int64(scanned)
		cp.Upgraded += int64(upgraded)
		cp.PassUpgraded += int64(upgraded)
		if len(docs) > 0 {
			cp.After = relativePath(docs[len(docs)-1].Ref)
		}
		if len(docs) < limit { // the end of this pass
			if cp.PassUpgraded == 0 {
				cp.Done = true
			} else {
				cp.Pass++
				cp.After, cp.PassUpgraded = "", 0
			}
		}
		cp.UpdatedAt = r.now().UTC()
		cp.SchemaVersion = schema.Migrations
		p = cp.progress()
		return tx.Set(r.checkpointRef(m), cp)
	})
	return p, scanned, upgraded, err
}

// query lists m's documents after the document at path after (all from
// the start when ""), in path order.
func (r *Runner) query(m Migration, after string, limit int) firestore.Query {
	var q firestore.Query
	if m.Group {
		q = r.client.CollectionGroup(m.Collection).Query
	} else {
		q = r.client.Collection(m.Collection).Query
	}
	q = q.OrderBy(firestore.DocumentID, firestore.Asc).Limit(limit)
	if after != "" {
		q = q.StartAfter(r.client.Doc(after))
	}
	return q
}

// upgrade upgrades doc in tx when it is below m.To.
func upgrade(tx *firestore.Transaction, m Migration, doc *firestore.DocumentSnapshot) (bool, error) {
	data := doc.Data()
	v, err := Version(data)
	if err != nil {
		return false, fmt.Errorf("migrate %s: document %s: %w", m.Name, relativePath(doc.Ref), err)
	}
	if v >= m.To {
		return false, nil
	}
	if v < m.From {
		return false, apperr.E(apperr.Internal, "migrate %s: document %s is at version %d, below %d: an earlier migration did not run", m.Name, relativePath(doc.Ref), v, m.From)
	}
	var ups []firestore.Update
	if m.Upgrade != nil {
		if ups, err = m.Upgrade(data); err != nil {
			return false, apperr.Wrap(err, apperr.Internal, "migrate %s: document %s cannot be upgraded", m.Name, relativePath(doc.Ref))
		}
	}
	ups = append(ups, firestore.Update{Path: schema.Field, Value: m.To})
	return true, tx.Update(doc.Ref, ups) // Update requires the document to exist
}

// Version reads the schema version of a document's data: 0 when the
// field is absent (written before versions existed).
func Version(data map[string]any) (int, error) {
	switch v := data[schema.Field].(type) {
	case nil:
		return 0, nil
	case int64:
		return int(v), nil
	default:
		return 0, fmt.Errorf("%s is a %T, not an integer", schema.Field, v)
	}
}

func decode(snap *firestore.DocumentSnapshot, m Migration) (checkpoint, error) {
	cp := checkpoint{Name: m.Name, Pass: 1}
	if snap == nil || !snap.Exists() {
		return cp, nil
	}
	if err := snap.DataTo(&cp); err != nil {
		return cp, apperr.Wrap(err, apperr.Internal, "the checkpoint of migration %s cannot be read", m.Name)
	}
	return cp, nil
}

func (cp checkpoint) progress() Progress {
	return Progress{Name: cp.Name, Pass: cp.Pass, Scanned: cp.Scanned, Upgraded: cp.Upgraded, Done: cp.Done}
}

// relativePath is ref's path below its database's documents, the form
// client.Doc takes back.
func relativePath(ref *firestore.DocumentRef) string {
	_, rel, found := strings.Cut(ref.Path, "/documents/")
	if !found {
		return ref.Path
	}
	return rel
}
