package migrate

import (
	"context"
	"errors"

	"cloud.google.com/go/firestore"
	"google.golang.org/api/iterator"

	valetfs "valet.dev/valet/shared/firestore"
)

// Versions walks every document of client's database, nested collections
// included, and returns each one's path (below the database's documents)
// and schema version. It reads everything: for tests and small checks,
// not for a production database.
func Versions(ctx context.Context, client *firestore.Client) (map[string]int, error) {
	out := map[string]int{}
	var walk func(it *firestore.CollectionIterator) error
	walk = func(it *firestore.CollectionIterator) error {
		for {
			coll, err := it.Next()
			if errors.Is(err, iterator.Done) {
				return nil
			}
			if err != nil {
				return err
			}
			// DocumentRefs lists missing documents too: parents that
			// exist only through their subcollections.
			refs, err := coll.DocumentRefs(ctx).GetAll()
			if err != nil {
				return err
			}
			for _, ref := range refs {
				doc, err := ref.Get(ctx)
				switch {
				case valetfs.IsNotFound(err):
				case err != nil:
					return err
				default:
					v, err := Version(doc.Data())
					if err != nil {
						return err
					}
					out[relativePath(ref)] = v
				}
				if err := walk(ref.Collections(ctx)); err != nil {
					return err
				}
			}
		}
	}
	return out, walk(client.Collections(ctx))
}
