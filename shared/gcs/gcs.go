// Package gcs adapts cloud.google.com/go/storage for valet's server-side
// object operations: the few calls the functions make with their own
// credentials (callers only ever get signed URLs, see package signer).
package gcs

import (
	"context"
	"errors"
	"net/http"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"valet.dev/valet/shared/apperr"
)

// Deleter deletes objects.
type Deleter interface {
	// Delete removes generation of bucket/object, or the live object when
	// generation is 0. An object (or generation) that does not exist is not
	// an error: deleting is idempotent, so a redelivered event may delete
	// again.
	Delete(ctx context.Context, bucket, object string, generation int64) error
}

// Client is the storage adapter.
type Client struct {
	c *storage.Client
}

var _ Deleter = (*Client)(nil)

// New wraps a storage client. The caller keeps ownership of c.
func New(c *storage.Client) *Client { return &Client{c: c} }

// Delete implements Deleter. With generation > 0 only that generation is
// deleted: a newer upload of the same name is left alone.
func (c *Client) Delete(ctx context.Context, bucket, object string, generation int64) error {
	h := c.c.Bucket(bucket).Object(object)
	if generation > 0 {
		h = h.Generation(generation)
	}
	err := h.Delete(ctx)
	if err == nil || errors.Is(err, storage.ErrObjectNotExist) {
		return nil
	}
	return storageError(err, "delete gs://%s/%s#%d", bucket, object, generation)
}

// storageError maps a storage failure to an *apperr.Error: 429 and 5xx (and
// transport failures) are Unavailable, so event handlers retry them.
func storageError(err error, format string, args ...any) error {
	var gerr *googleapi.Error
	if errors.As(err, &gerr) {
		switch {
		case gerr.Code == http.StatusNotFound:
			return apperr.Wrap(err, apperr.NotFound, format+": not found", args...)
		case gerr.Code == http.StatusForbidden || gerr.Code == http.StatusUnauthorized:
			return apperr.Wrap(err, apperr.PermissionDenied, format+": permission denied", args...)
		case gerr.Code == http.StatusTooManyRequests || gerr.Code >= 500:
			return apperr.Wrap(err, apperr.Unavailable, format+": storage unavailable; retry", args...)
		case gerr.Code >= 400:
			return apperr.Wrap(err, apperr.Internal, format+": storage refused", args...)
		}
	}
	return apperr.Wrap(err, apperr.Unavailable, format+": storage unavailable; retry", args...)
}
