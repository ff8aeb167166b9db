package gcs

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"valet.dev/valet/shared/apperr"
)

// Copied is what a server-side copy wrote.
type Copied struct {
	Generation int64
	SizeBytes  int64
	MD5        string // standard base64, as GCS reports md5Hash
}

// Copier copies objects inside storage: what the objects function (copies,
// revokes) and finalize (an upload to its object's key) do to bytes besides
// deleting them.
type Copier interface {
	Copy(ctx context.Context, bucket, src string, srcGeneration int64, dst string) (Copied, error)
	// Stat reports the live object at bucket/name as Copy would have: what
	// an earlier copy left there. NotFound when absent.
	Stat(ctx context.Context, bucket, name string) (Copied, error)
}

var _ Copier = (*Client)(nil)

// Copy copies generation srcGeneration of bucket/src to bucket/dst inside
// storage (the bytes never pass through valet), only if dst does not exist.
// srcGeneration 0 copies the live object. A missing source (or generation)
// is NotFound; an existing dst is Conflict; other failures as storageError
// maps them.
func (c *Client) Copy(ctx context.Context, bucket, src string, srcGeneration int64, dst string) (Copied, error) {
	b := c.c.Bucket(bucket)
	from := b.Object(src)
	if srcGeneration > 0 {
		from = from.Generation(srcGeneration)
	}
	to := b.Object(dst).If(storage.Conditions{DoesNotExist: true})
	attrs, err := to.CopierFrom(from).Run(ctx)
	if err != nil {
		var gerr *googleapi.Error
		switch {
		case errors.Is(err, storage.ErrObjectNotExist):
			return Copied{}, apperr.Wrap(err, apperr.NotFound, "copy gs://%s/%s#%d: the source does not exist", bucket, src, srcGeneration)
		case errors.As(err, &gerr) && gerr.Code == http.StatusPreconditionFailed:
			return Copied{}, apperr.Wrap(err, apperr.Conflict, "copy to gs://%s/%s: the destination already exists", bucket, dst)
		}
		return Copied{}, storageError(err, "copy gs://%s/%s#%d to %s", bucket, src, srcGeneration, dst)
	}
	return Copied{Generation: attrs.Generation, SizeBytes: attrs.Size, MD5: base64.StdEncoding.EncodeToString(attrs.MD5)}, nil
}

// Stat implements Copier.
func (c *Client) Stat(ctx context.Context, bucket, name string) (Copied, error) {
	attrs, err := c.c.Bucket(bucket).Object(name).Attrs(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return Copied{}, apperr.Wrap(err, apperr.NotFound, "gs://%s/%s does not exist", bucket, name)
	}
	if err != nil {
		return Copied{}, storageError(err, "stat gs://%s/%s", bucket, name)
	}
	return Copied{Generation: attrs.Generation, SizeBytes: attrs.Size, MD5: base64.StdEncoding.EncodeToString(attrs.MD5)}, nil
}
