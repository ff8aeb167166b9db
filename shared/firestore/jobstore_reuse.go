package firestore

import (
	"cmp"
	"context"
	"slices"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/job"
)

// Reusable implements job.Store. It uses equality filters only, so that
// no composite index is needed, and sorts newest first in memory.
func (s *JobStore) Reusable(ctx context.Context, k job.ReuseKey, limit int) ([]*job.Job, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := checkLimit(limit, 100); err != nil {
		return nil, err
	}
	if k.SpecHash == "" || k.WorkspaceMD5 == "" || k.RuntimeUser == "" {
		return nil, apperr.E(apperr.Invalid, "reuse needs a spec hash, a workspace MD5 and a runtime user")
	}
	out, err := queryAll(ctx, s.client.Collection(JobsCollection).
		Where("state", "==", string(job.Succeeded)).
		Where("specHash", "==", k.SpecHash).
		Where("workspace.md5", "==", k.WorkspaceMD5).
		Where("runtimeUser", "==", k.RuntimeUser).
		Limit(limit), decodeJob)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *job.Job) int { return cmp.Or(b.FinishedAt.Compare(a.FinishedAt), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}
