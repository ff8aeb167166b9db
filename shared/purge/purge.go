// Package purge empties a space of its objects, bytes first: the last step
// before a project's records are deleted, shared by the objects function
// (DELETE /projects/{p}?force=true) and the sweep (which finishes deletes
// that failed half-way).
package purge

import (
	"context"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
)

// batch is how many objects one round reads.
const batch = 100

// Space deletes every object of space in bucket, in any state: its bytes
// (any generation at its key and its upload key), then its metadata. It is idempotent; a
// failure returns at once, leaving what is left for a retry.
func Space(ctx context.Context, objects object.Store, storage gcs.Deleter, bucket string, space ids.SpaceID) error {
	for {
		found, err := objects.InSpace(ctx, space, batch)
		if err != nil {
			return err
		}
		if len(found) == 0 {
			return nil
		}
		for _, o := range found {
			for _, key := range o.Keys() {
				if err := storage.Delete(ctx, bucket, key, 0); err != nil {
					return err
				}
			}
			if _, err := objects.Delete(ctx, o.ID); err != nil && apperr.CodeOf(err) != apperr.NotFound {
				return err
			}
		}
	}
}
