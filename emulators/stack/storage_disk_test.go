package stack_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"

	"valet.dev/valet/emulators/stack"
)

// The storage emulator keeps object bytes in its directory, not in the
// dev server's memory (fake-gcs-server's in-memory backend held every
// object for the life of the process), and a stack starts with empty
// buckets, as its Firestore does: what a previous run left is removed.
func TestStorageKeepsBytesOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "storage")
	stale := filepath.Join(dir, "left-by-a-previous-run")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	require.NoError(t, os.WriteFile(stale, []byte("old"), 0o600))
	s := startStack(t, func(o *stack.Options) { o.StorageDir = dir })
	require.NoFileExists(t, stale, "a stack starts with empty buckets")

	ctx := context.Background()
	c, err := storage.NewClient(ctx, option.WithHTTPClient(&http.Client{Transport: s.Storage.Transport()}),
		option.WithoutAuthentication(), storage.WithJSONReads())
	require.NoError(t, err)
	defer c.Close()
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	obj := c.Bucket(s.Info.Buckets.Jobs).Object("jobs/on-disk/workspace")
	w := obj.NewWriter(ctx)
	_, err = w.Write(content)
	require.NoError(t, err)
	require.NoError(t, w.Close())

	onDisk, err := os.ReadFile(filepath.Join(dir, s.Info.Buckets.Jobs, "jobs/on-disk/workspace"))
	require.NoError(t, err, "the object's bytes are a file in the storage directory")
	require.Equal(t, content, onDisk)

	r, err := obj.NewReader(ctx) // the JSON API: the store's public host is the gate's
	require.NoError(t, err)
	defer r.Close()
	back, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, content, back, "read back through the store")
}
