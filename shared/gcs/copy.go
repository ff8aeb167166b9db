package gcs

import (
	"context"
	"errors"
	"net/http"

	"google.golang.org/api/googleapi"
	storagev1 "google.golang.org/api/storage/v1"

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
//
// It is the JSON API's objects.rewrite with ifGenerationMatch=0, called
// again with the rewrite token until done (big objects across locations or
// storage classes take several calls), each call retried on transient
// failures (the precondition makes it idempotent).
func (c *Client) Copy(ctx context.Context, bucket, src string, srcGeneration int64, dst string) (Copied, error) {
	var (
		res   *storagev1.RewriteResponse
		token string
	)
	for res == nil || !res.Done {
		call := c.s.Objects.Rewrite(bucket, src, bucket, dst, &storagev1.Object{}).Projection("full").IfGenerationMatch(0)
		if srcGeneration > 0 {
			call.SourceGeneration(srcGeneration)
		}
		if token != "" {
			call.RewriteToken(token)
		}
		err := c.retry.run(ctx, true, func(ctx context.Context) (err error) {
			res, err = call.Context(ctx).Do()
			return err
		})
		if err != nil {
			var gerr *googleapi.Error
			switch {
			case notFound(err):
				return Copied{}, apperr.Wrap(err, apperr.NotFound, "copy gs://%s/%s#%d: the source does not exist", bucket, src, srcGeneration)
			case errors.As(err, &gerr) && gerr.Code == http.StatusPreconditionFailed:
				return Copied{}, apperr.Wrap(err, apperr.Conflict, "copy to gs://%s/%s: the destination already exists", bucket, dst)
			}
			return Copied{}, storageError(err, "copy gs://%s/%s#%d to %s", bucket, src, srcGeneration, dst)
		}
		token = res.RewriteToken
	}
	if res.Resource == nil {
		return Copied{}, apperr.E(apperr.Unavailable, "copy gs://%s/%s#%d to %s: storage answered done without the object; retry", bucket, src, srcGeneration, dst)
	}
	return copied(res.Resource), nil
}

// Stat implements Copier.
func (c *Client) Stat(ctx context.Context, bucket, name string) (Copied, error) {
	call := c.s.Objects.Get(bucket, name).Projection("full")
	var obj *storagev1.Object
	err := c.retry.run(ctx, true, func(ctx context.Context) (err error) {
		obj, err = call.Context(ctx).Do()
		return err
	})
	if notFound(err) {
		return Copied{}, apperr.Wrap(err, apperr.NotFound, "gs://%s/%s does not exist", bucket, name)
	}
	if err != nil {
		return Copied{}, storageError(err, "stat gs://%s/%s", bucket, name)
	}
	return copied(obj), nil
}

// copied is what the JSON API's object resource says of its bytes.
func copied(o *storagev1.Object) Copied {
	return Copied{Generation: o.Generation, SizeBytes: int64(o.Size), MD5: o.Md5Hash}
}
