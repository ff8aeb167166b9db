package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"

	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
)

// VerifyOptions says what Verify compares.
type VerifyOptions struct {
	// ObjectsBucket holds the bytes of shared objects (keys spaces/...);
	// JobsBucket the workspaces and artifacts of jobs (jobs/...). An
	// empty name skips that side.
	ObjectsBucket, JobsBucket string
	// Grace skips bytes younger than it when looking for orphans: uploads
	// that finalize has not recorded yet.
	Grace time.Duration
	// JobsRetention skips jobs created longer ago than it (the jobs
	// bucket's lifecycle rule, Terraform's jobs_retention_days, deleted
	// their bytes on purpose); zero checks every job.
	JobsRetention time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Finding is one document whose bytes are missing, or bytes that no
// document owns.
type Finding struct {
	// Document is the path of the document ("objects/o_..", "jobs/j_..");
	// empty for an orphan.
	Document   string `json:"document,omitempty"`
	Bucket     string `json:"bucket"`
	Name       string `json:"name"`
	Generation int64  `json:"generation,omitempty"`
	Reason     string `json:"reason"`
}

// Findings is what Verify found.
type Findings struct {
	// Missing are documents that say their bytes are stored, at a name
	// and generation the bucket does not hold.
	Missing []Finding `json:"missing"`
	// Orphans are bytes at names no document owns.
	Orphans []Finding `json:"orphans"`
	// Checked counts the documents and the stored objects compared.
	CheckedDocuments int `json:"checkedDocuments"`
	CheckedObjects   int `json:"checkedObjects"`
}

// Clean reports whether nothing was found.
func (f *Findings) Clean() bool { return len(f.Missing) == 0 && len(f.Orphans) == 0 }

// stored is one object of a bucket listing.
type stored struct {
	generation int64
	created    time.Time
}

// owner is what a document expects at one name.
type owner struct {
	doc        string
	generation int64 // 0: any generation (bytes still arriving)
	required   bool  // the document says the bytes are there
}

// Verify compares the database with the buckets: every READY object and
// every artifact a job records as present must be in its bucket at its
// name and generation, and every object in the buckets must belong to a
// document (a READY object at its key, a PENDING one at its key or upload
// key, a job's recorded artifact). It reads every object and job document and lists both
// buckets once.
func Verify(ctx context.Context, fs *firestore.Client, st *storage.Client, opts VerifyOptions) (*Findings, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now()
	out := &Findings{Missing: []Finding{}, Orphans: []Finding{}}
	if opts.ObjectsBucket != "" {
		owners, err := objectOwners(ctx, fs, out)
		if err != nil {
			return nil, err
		}
		if err := compare(ctx, st, opts.ObjectsBucket, owners, now.Add(-opts.Grace), out); err != nil {
			return nil, err
		}
	}
	if opts.JobsBucket != "" {
		var since time.Time
		if opts.JobsRetention > 0 {
			since = now.Add(-opts.JobsRetention)
		}
		owners, err := jobOwners(ctx, fs, since, out)
		if err != nil {
			return nil, err
		}
		if err := compare(ctx, st, opts.JobsBucket, owners, now.Add(-opts.Grace), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// objectOwners reads every object document: a READY one requires its
// bytes at its key and generation, a PENDING one may have them at its key
// or its upload key.
func objectOwners(ctx context.Context, fs *firestore.Client, out *Findings) (map[string]owner, error) {
	owners := map[string]owner{}
	return owners, eachDoc(ctx, fs, valetfs.ObjectsCollection, func(snap *firestore.DocumentSnapshot) error {
		out.CheckedDocuments++
		var o object.Object
		if err := snap.DataTo(&o); err != nil {
			return fmt.Errorf("object %s cannot be read: %w", snap.Ref.ID, err)
		}
		doc := valetfs.ObjectsCollection + "/" + snap.Ref.ID
		switch o.State {
		case object.Ready:
			owners[o.Key] = owner{doc: doc, generation: o.Generation, required: true}
		case object.Pending:
			owners[o.Key] = owner{doc: doc}
			if o.UploadKey != "" {
				owners[o.UploadKey] = owner{doc: doc} // its upload, not yet copied to Key
			}
		}
		return nil
	})
}

// eachDoc calls fn with every document of collection.
func eachDoc(ctx context.Context, fs *firestore.Client, collection string, fn func(*firestore.DocumentSnapshot) error) error {
	it := fs.Collection(collection).Documents(ctx)
	defer it.Stop()
	for {
		snap, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", collection, err)
		}
		if err := fn(snap); err != nil {
			return err
		}
	}
}

// jobOwners reads every job document created since (all when zero): each
// artifact it records as present requires its bytes.
func jobOwners(ctx context.Context, fs *firestore.Client, since time.Time, out *Findings) (map[string]owner, error) {
	owners := map[string]owner{}
	return owners, eachDoc(ctx, fs, valetfs.JobsCollection, func(snap *firestore.DocumentSnapshot) error {
		var j job.Job
		if err := snap.DataTo(&j); err != nil {
			return fmt.Errorf("job %s cannot be read: %w", snap.Ref.ID, err)
		}
		if j.ID == "" {
			j.ID = ids.JobID(snap.Ref.ID)
		}
		doc := valetfs.JobsCollection + "/" + snap.Ref.ID
		artifacts := []struct {
			a    job.Artifact
			name string
		}{
			{j.Workspace, job.WorkspaceName(j.ID, j.Workspace.Epoch)},
			{j.Output, job.ArtifactName(j.ID, job.OutputKind, j.Output.Epoch)},
			{j.Attestation, job.ArtifactName(j.ID, job.AttestationKind, j.Attestation.Epoch)},
		}
		old := !since.IsZero() && j.CreatedAt.Before(since)
		if !old {
			out.CheckedDocuments++
		}
		for _, a := range artifacts {
			if a.a.Present {
				// Past the retention the lifecycle rule deleted the bytes:
				// they are owned if still there, never required.
				owners[a.name] = owner{doc: doc, generation: a.a.Generation, required: !old}
			}
		}
		return nil
	})
}

// compare lists the whole bucket and reports the owners whose required
// bytes are missing and the objects created before orphanBefore that no
// owner claims.
func compare(ctx context.Context, st *storage.Client, bucket string, owners map[string]owner, orphanBefore time.Time, out *Findings) error {
	objects := map[string]stored{}
	it := st.Bucket(bucket).Objects(ctx, nil)
	for {
		attrs, err := it.Next()
		if errors.Is(err, iterator.Done) {
			break
		}
		if err != nil {
			return fmt.Errorf("listing gs://%s: %w", bucket, err)
		}
		out.CheckedObjects++
		objects[attrs.Name] = stored{generation: attrs.Generation, created: attrs.Created}
	}
	for _, name := range sortedKeys(owners) {
		o := owners[name]
		if !o.required {
			continue
		}
		s, ok := objects[name]
		switch {
		case !ok:
			out.Missing = append(out.Missing, Finding{Document: o.doc, Bucket: bucket, Name: name, Generation: o.generation, Reason: "no object at this name"})
		case o.generation != 0 && s.generation != o.generation:
			out.Missing = append(out.Missing, Finding{Document: o.doc, Bucket: bucket, Name: name, Generation: o.generation,
				Reason: fmt.Sprintf("the bucket holds generation %d, not the recorded one", s.generation)})
		}
	}
	for _, name := range sortedKeys(objects) {
		s := objects[name]
		if !s.created.IsZero() && s.created.After(orphanBefore) {
			continue // within the grace period: finalize may not have recorded it yet
		}
		o, ok := owners[name]
		switch {
		case !ok:
			out.Orphans = append(out.Orphans, Finding{Bucket: bucket, Name: name, Generation: s.generation, Reason: "no document owns this name"})
		case o.generation != 0 && s.generation != o.generation:
			out.Orphans = append(out.Orphans, Finding{Bucket: bucket, Name: name, Generation: s.generation,
				Reason: fmt.Sprintf("%s records generation %d at this name", o.doc, o.generation)})
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, strings.Compare)
	return keys
}
