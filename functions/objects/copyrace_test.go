package objects

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/object"
)

// finalizeFirst is the real storage, where finalize records a copy's bytes
// before the copy call returns: the race the copy handler must win either
// way.
type finalizeFirst struct {
	*gcs.Client
	objects *valetfs.ObjectStore
}

func (f finalizeFirst) Copy(ctx context.Context, bucket, src string, gen int64, dst string) (gcs.Copied, error) {
	c, err := f.Client.Copy(ctx, bucket, src, gen, dst)
	if err != nil {
		return c, err
	}
	_, id, _, ok := object.ParseKey(dst)
	if !ok {
		panic("copy to a key valet did not make: " + dst)
	}
	_, _, err = f.objects.Arrived(ctx, id, dst, object.Arrival{Generation: c.Generation, SizeBytes: c.SizeBytes, MD5: c.MD5}, time.Now())
	return c, err
}

// TestCopyWhenFinalizeWasFirst: the copy answers 201 with the READY copy,
// not 500, and keeps its bytes.
func TestCopyWhenFinalizeWasFirst(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	content := []byte("copy me")
	src := e.upload(user(alice), "users/"+alice, "src.txt", content)
	racing := httptest.NewServer(New(Options{
		Objects: e.objects, Projects: e.projects, Storage: finalizeFirst{gcs.New(e.gcs.Client()), e.objects},
		Signer: testSigner(t), Bucket: testBucket, Authenticate: authenticate,
	}))
	t.Cleanup(racing.Close)
	e.srv = racing

	var dst object.Object
	e.call(user(alice), "POST", "/objects/"+src.ID+"/copy", map[string]any{"space": "users/" + alice, "name": "copy.txt"}).decode(t, http.StatusCreated, &dst)
	require.Equal(t, object.Ready, dst.State)
	stored, ok := e.stored(e.object(dst.ID).Key)
	require.True(t, ok, "the copy's bytes are kept")
	require.Equal(t, content, stored)
}
