package sweep

import (
	"context"
	"net/http"

	"valet.dev/valet/shared/migrate"
)

// DefaultMigrationBatch is how many documents one run upgrades unless
// Options.MigrationBatch says otherwise.
const DefaultMigrationBatch = 100

// Migrator upgrades stored documents a bounded batch at a time (a
// *migrate.Runner; see package migrate).
type Migrator interface {
	Step(ctx context.Context, limit int) (migrate.Report, error)
}

// migrate runs one bounded batch of the schema migrations that are not
// done (none once they all are: one read of their checkpoints). A failure
// is logged and counted; the next run resumes from the checkpoint.
func (s *server) migrate(r *http.Request, res *Result) {
	if s.migrations == nil || r.Context().Err() != nil {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), perJobTimeout)
	defer cancel()
	rep, err := s.migrations.Step(ctx, s.migrationBatch)
	res.Migrated = rep.Upgraded
	if err != nil {
		res.fail(ctx, "schema migration batch failed; the next run resumes", "error", err)
	}
}
