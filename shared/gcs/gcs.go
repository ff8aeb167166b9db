// Package gcs adapts Cloud Storage's JSON API for valet's server-side
// object operations: the few calls the functions make with their own
// credentials (callers only ever get signed URLs, see package signer).
//
// It speaks the JSON API through google.golang.org/api/storage/v1, as
// cloud.google.com/go/storage's HTTP client does, without linking that
// library: its gRPC transport brings the xDS and Envoy registrations and
// metrics exporters into every function's start (docs/benchmarks.md, cold
// start), for three calls valet makes over HTTP.
package gcs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	storagev1 "google.golang.org/api/storage/v1"

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
	s     *storagev1.Service
	retry retryPolicy
}

var _ Deleter = (*Client)(nil)

// EnvEmulatorHost names the storage emulator, as cloud.google.com/go/storage
// reads it: host:port (http) or scheme://[user:secret@]host:port.
const EnvEmulatorHost = "STORAGE_EMULATOR_HOST"

// NewClient connects to Cloud Storage with the runtime's credentials
// (Application Default Credentials), or, when STORAGE_EMULATOR_HOST is
// set, to that emulator without Google credentials, exactly as
// cloud.google.com/go/storage.NewClient does. opts come last, so a test's
// option.WithHTTPClient or option.WithEndpoint wins.
func NewClient(ctx context.Context, opts ...option.ClientOption) (*Client, error) {
	base := []option.ClientOption{option.WithScopes(storagev1.DevstorageFullControlScope, storagev1.CloudPlatformScope)}
	if host := os.Getenv(EnvEmulatorHost); host != "" {
		endpoint, err := emulatorEndpoint(host)
		if err != nil {
			return nil, err
		}
		base = []option.ClientOption{option.WithEndpoint(endpoint), option.WithoutAuthentication()}
	}
	s, err := storagev1.NewService(ctx, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("gcs: %w", err)
	}
	return &Client{s: s, retry: defaultRetry}, nil
}

// emulatorEndpoint is the JSON API's base URL on the emulator at host.
func emulatorEndpoint(host string) (string, error) {
	u := &url.URL{Scheme: "http", Host: host}
	if strings.Contains(host, "://") {
		var err error
		if u, err = url.Parse(host); err != nil {
			return "", fmt.Errorf("gcs: %s: %w", EnvEmulatorHost, err)
		}
	}
	u.Path = "/storage/v1/"
	return u.String(), nil
}

// Delete implements Deleter. With generation > 0 only that generation is
// deleted: a newer upload of the same name is left alone, and the call is
// retried on transient failures (it is idempotent); without, it is not.
func (c *Client) Delete(ctx context.Context, bucket, object string, generation int64) error {
	call := c.s.Objects.Delete(bucket, object)
	if generation > 0 {
		call.Generation(generation)
	}
	err := c.retry.run(ctx, generation > 0, func(ctx context.Context) error { return call.Context(ctx).Do() })
	if err == nil || notFound(err) {
		return nil
	}
	return storageError(err, "delete gs://%s/%s#%d", bucket, object, generation)
}

func notFound(err error) bool {
	var gerr *googleapi.Error
	return errors.As(err, &gerr) && gerr.Code == http.StatusNotFound
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
