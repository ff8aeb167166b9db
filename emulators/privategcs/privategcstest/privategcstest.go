// Package privategcstest starts the private bucket store (privategcs) in
// process for a test: a fake-gcs-server without a listener holding the
// test's buckets, behind the preconditions Cloud Storage enforces.
package privategcstest

import (
	"context"
	"net/http"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"

	"valet.dev/valet/emulators/privategcs"
	"valet.dev/valet/shared/gcs"
)

// Start creates buckets in a new store for the rest of the test. It returns
// the fake-gcs-server inside, for seeding and inspecting, and a client that
// reaches the store as a function reaches Cloud Storage.
func Start(t testing.TB, buckets ...string) (*fakestorage.Server, *gcs.Client) {
	t.Helper()
	fake, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	require.NoError(t, err)
	t.Cleanup(fake.Stop)
	for _, b := range buckets {
		fake.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: b})
	}
	store, err := privategcs.Wrap(fake)
	require.NoError(t, err)
	return fake, Client(t, store.Transport())
}

// Client is the functions' storage adapter over rt: a store's transport,
// or a bare fake-gcs-server's (fake.HTTPClient().Transport), which
// enforces no preconditions.
func Client(t testing.TB, rt http.RoundTripper) *gcs.Client {
	t.Helper()
	c, err := gcs.NewClient(context.Background(), option.WithHTTPClient(&http.Client{Transport: rt}), option.WithoutAuthentication())
	require.NoError(t, err)
	return c
}
