// Package admin is the valet-admin command: operator tasks run against a
// deployment's database and buckets with the operator's own credentials
// (Application Default Credentials; the emulators through
// FIRESTORE_EMULATOR_HOST and STORAGE_EMULATOR_HOST). Run parses the
// arguments of one invocation, so tests drive it without a binary.
//
// Exit codes: 0 success (verify: nothing found), 1 verify found missing
// bytes or orphans, 2 bad usage, 3 an error (nothing could be concluded).
package admin

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"cloud.google.com/go/firestore"
	"cloud.google.com/go/storage"

	"valet.dev/valet/shared/config"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/migrate"
)

// Exit codes of Run.
const (
	ExitOK    = 0
	ExitFound = 1
	ExitUsage = 2
	ExitError = 3
)

const usage = `valet-admin: operator tasks on a valet deployment (docs/operations.md).

Usage:
  valet-admin verify  [--objects-bucket B] [--jobs-bucket B] [--grace 1h] [--jobs-retention-days 30] [--json]
      list documents whose bytes are missing and bytes no document owns;
      exit status 1 when anything is found
  valet-admin migrate [--batch 100] [--status] [--json]
      run the schema migrations (package migrate) until done, resumably;
      --status only prints where each one stands

Every command takes --project (default $GOOGLE_CLOUD_PROJECT) and
--database (default $VALET_FIRESTORE_DATABASE, else "(default)"); the
buckets default to $VALET_OBJECTS_BUCKET and $VALET_JOBS_BUCKET.
`

// Clients opens the database and storage clients of a project; tests
// replace it to reach in-process fakes.
type Clients func(ctx context.Context, project, database string) (*firestore.Client, *storage.Client, error)

// Google opens the clients the client libraries configure from the
// environment.
func Google(ctx context.Context, project, database string) (*firestore.Client, *storage.Client, error) {
	fs, err := valetfs.NewDatabaseClient(ctx, project, database)
	if err != nil {
		return nil, nil, err
	}
	st, err := storage.NewClient(ctx)
	if err != nil {
		_ = fs.Close()
		return nil, nil, fmt.Errorf("storage: %w", err)
	}
	return fs, st, nil
}

// Run runs one valet-admin invocation and returns its exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, clients Clients) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	fl := flag.NewFlagSet("valet-admin "+args[0], flag.ContinueOnError)
	fl.SetOutput(stderr)
	project := fl.String("project", getenv(config.EnvProject), "Google Cloud project id")
	database := fl.String("database", cmp.Or(getenv(config.EnvDatabase), config.DefaultDatabase), "Firestore database id")
	asJSON := fl.Bool("json", false, "print the result as JSON")
	var run func(context.Context, *firestore.Client, *storage.Client) (any, int, error)
	switch args[0] {
	case "verify":
		objects := fl.String("objects-bucket", getenv(config.EnvObjectsBucket), "the objects bucket (empty: skip)")
		jobs := fl.String("jobs-bucket", getenv(config.EnvJobsBucket), "the jobs bucket (empty: skip)")
		grace := fl.Duration("grace", time.Hour, "ignore bytes younger than this when looking for orphans (uploads not yet recorded)")
		retention := fl.Int("jobs-retention-days", 30, "ignore jobs older than this: the jobs bucket's lifecycle deleted their bytes (Terraform's jobs_retention_days; 0 checks all)")
		run = func(ctx context.Context, fs *firestore.Client, st *storage.Client) (any, int, error) {
			if *objects == "" && *jobs == "" {
				return nil, ExitUsage, usageError("name a bucket: --objects-bucket or --jobs-bucket")
			}
			f, err := Verify(ctx, fs, st, VerifyOptions{ObjectsBucket: *objects, JobsBucket: *jobs, Grace: *grace,
				JobsRetention: time.Duration(*retention) * 24 * time.Hour})
			if err != nil {
				return nil, ExitError, err
			}
			if !f.Clean() {
				return f, ExitFound, nil
			}
			return f, ExitOK, nil
		}
	case "migrate":
		batch := fl.Int("batch", 100, fmt.Sprintf("documents per transaction (1..%d)", migrate.MaxBatch))
		statusOnly := fl.Bool("status", false, "only print where each migration stands")
		run = func(ctx context.Context, fs *firestore.Client, _ *storage.Client) (any, int, error) {
			r := migrate.New(fs)
			if *statusOnly {
				rep, err := r.Status(ctx)
				return rep, exitOf(err), err
			}
			if *batch < 1 || *batch > migrate.MaxBatch {
				return nil, ExitUsage, usageError(fmt.Sprintf("--batch must be 1 to %d", migrate.MaxBatch))
			}
			rep, err := r.Run(ctx, *batch, func(rep migrate.Report) {
				if !*asJSON {
					fmt.Fprintf(stderr, "upgraded %d documents so far\n", rep.Upgraded)
				}
			})
			return rep, exitOf(err), err
		}
	default:
		fmt.Fprintf(stderr, "valet-admin: unknown command %q\n\n%s", args[0], usage)
		return ExitUsage
	}
	if err := fl.Parse(args[1:]); err != nil {
		return ExitUsage
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "valet-admin %s: unexpected arguments %q\n", args[0], fl.Args())
		return ExitUsage
	}
	if *project == "" {
		fmt.Fprintf(stderr, "valet-admin %s: set --project or $%s\n", args[0], config.EnvProject)
		return ExitUsage
	}
	fs, st, err := clients(ctx, *project, *database)
	if err != nil {
		fmt.Fprintf(stderr, "valet-admin %s: %v\n", args[0], err)
		return ExitError
	}
	defer fs.Close()
	defer st.Close()
	result, code, err := run(ctx, fs, st)
	if err != nil {
		fmt.Fprintf(stderr, "valet-admin %s: %v\n", args[0], err)
		return code
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(result)
	} else {
		printText(stdout, result)
	}
	return code
}

type usageError string

func (e usageError) Error() string { return string(e) }

func exitOf(err error) int {
	if err != nil {
		return ExitError
	}
	return ExitOK
}

// printText prints a result for people.
func printText(w io.Writer, result any) {
	switch r := result.(type) {
	case *Findings:
		for _, f := range r.Missing {
			fmt.Fprintf(w, "MISSING %s: gs://%s/%s#%d: %s\n", f.Document, f.Bucket, f.Name, f.Generation, f.Reason)
		}
		for _, f := range r.Orphans {
			fmt.Fprintf(w, "ORPHAN gs://%s/%s#%d: %s\n", f.Bucket, f.Name, f.Generation, f.Reason)
		}
		fmt.Fprintf(w, "checked %d documents and %d stored objects: %d missing, %d orphans\n",
			r.CheckedDocuments, r.CheckedObjects, len(r.Missing), len(r.Orphans))
	case migrate.Report:
		for _, p := range r.Migrations {
			state := "running"
			if p.Done {
				state = "done"
			}
			fmt.Fprintf(w, "%-40s %-7s pass %d, %d scanned, %d upgraded\n", p.Name, state, p.Pass, p.Scanned, p.Upgraded)
		}
	}
}
