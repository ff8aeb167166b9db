package gcs_test

import (
	"context"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/gcs"
)

const bucket = "valet-jobs"

func newServer(t *testing.T) *fakestorage.Server {
	t.Helper()
	srv, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true})
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	srv.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucket})
	return srv
}

// client is the adapter on srv, through its in-process transport.
func client(t *testing.T, srv *fakestorage.Server) *gcs.Client {
	t.Helper()
	c, err := gcs.NewClient(context.Background(), option.WithHTTPClient(srv.HTTPClient()))
	require.NoError(t, err)
	return c
}

func put(t *testing.T, srv *fakestorage.Server, name, content string) int64 {
	t.Helper()
	srv.CreateObject(fakestorage.Object{
		ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: name},
		Content:     []byte(content),
	})
	obj, err := srv.GetObject(bucket, name)
	require.NoError(t, err)
	return obj.Generation
}

func exists(t *testing.T, srv *fakestorage.Server, name string) bool {
	t.Helper()
	_, err := srv.GetObject(bucket, name)
	return err == nil
}

func TestDeleteIsIdempotent(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	ctx := context.Background()
	gen := put(t, srv, "jobs/a/workspace.tar", "data")
	require.NotZero(t, gen)

	require.NoError(t, c.Delete(ctx, bucket, "jobs/a/workspace.tar", gen))
	require.False(t, exists(t, srv, "jobs/a/workspace.tar"))
	require.NoError(t, c.Delete(ctx, bucket, "jobs/a/workspace.tar", gen), "a second delete is not an error")
	require.NoError(t, c.Delete(ctx, bucket, "jobs/a/workspace.tar", 0), "nor a delete of the live object that is gone")
	require.NoError(t, c.Delete(ctx, bucket, "never/written", 0))
}

func TestDeleteCurrent(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	put(t, srv, "jobs/b/output.tar", "out")

	require.NoError(t, c.Delete(context.Background(), bucket, "jobs/b/output.tar", 0))
	require.False(t, exists(t, srv, "jobs/b/output.tar"))
}

func TestDeleteGenerationLeavesANewerUpload(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	name := "jobs/c/workspace.tar"
	old := put(t, srv, name, "bad")
	newer := put(t, srv, name, "good upload")
	require.NotEqual(t, old, newer)

	require.NoError(t, c.Delete(context.Background(), bucket, name, old))
	obj, err := srv.GetObject(bucket, name)
	require.NoError(t, err, "the newer generation must survive")
	require.Equal(t, newer, obj.Generation)
	require.Equal(t, "good upload", string(obj.Content))

	require.NoError(t, c.Delete(context.Background(), bucket, name, newer))
	require.False(t, exists(t, srv, name))
}

func TestDeleteFailureIsRetryable(t *testing.T) {
	srv := newServer(t)
	c := client(t, srv)
	srv.Stop() // the client's transport now fails

	err := c.Delete(context.Background(), bucket, "jobs/d/output.tar", 1)
	require.Error(t, err)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "err=%v", err)
}
