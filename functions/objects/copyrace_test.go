package objects

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/signer/signertest"
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
		Objects: e.objects, Projects: e.projects, Storage: finalizeFirst{e.storage, e.objects},
		Signer: signertest.New(t), Bucket: testBucket, Authenticate: apitest.Authenticate, Audit: apitest.Audit(t),
	}))
	t.Cleanup(racing.Close)
	e.srv = racing

	var dst object.Object
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "users/" + alice, "name": "copy.txt"}).Decode(t, http.StatusCreated, &dst)
	require.Equal(t, object.Ready, dst.State)
	stored, ok := e.stored(e.object(dst.ID).Key)
	require.True(t, ok, "the copy's bytes are kept")
	require.Equal(t, content, stored)
}

// copiesMeet orders two racing revokes: both make their copy before
// either goes on, then the first to have copied rekeys and deletes the old
// key before the second goes on. Without Cloud Storage's create-only
// precondition the second copy overwrites the first, so the winner records
// a generation that no longer exists and the loser's cleanup deletes the
// live bytes.
type copiesMeet struct {
	*gcs.Client
	mu         sync.Mutex
	copies     int
	bothCopied chan struct{} // closed when both copies are done
	firstDone  chan struct{} // closed when the first revoke deletes the old key
	once       sync.Once
}

func newCopiesMeet(c *gcs.Client) *copiesMeet {
	return &copiesMeet{Client: c, bothCopied: make(chan struct{}), firstDone: make(chan struct{})}
}

// Copy copies under mu, so the first to copy is the first to go on.
func (c *copiesMeet) Copy(ctx context.Context, bucket, src string, gen int64, dst string) (gcs.Copied, error) {
	c.mu.Lock()
	copied, err := c.Client.Copy(ctx, bucket, src, gen, dst)
	c.copies++
	second := c.copies == 2
	if second {
		close(c.bothCopied)
	}
	c.mu.Unlock()
	<-c.bothCopied
	switch {
	case second:
		<-c.firstDone
	case err != nil: // the first revoke stops here: let the second go on
		c.once.Do(func() { close(c.firstDone) })
	}
	return copied, err
}

func (c *copiesMeet) Delete(ctx context.Context, bucket, object string, gen int64) error {
	err := c.Client.Delete(ctx, bucket, object, gen)
	c.once.Do(func() { close(c.firstDone) })
	return err
}

// TestRacingRevokesKeepTheBytes: two revokes of one object both copy its
// bytes to the next revision's key before either rekeys (see copiesMeet).
// Cloud Storage refuses the second create-only copy (412, Conflict), so
// one revoke wins and the other answers 409 without touching storage.
func TestRacingRevokesKeepTheBytes(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	content := []byte("revoke me twice")
	o := e.upload(user(alice), "users/"+alice, "r.txt", content)
	meet := newCopiesMeet(e.storage)
	racing := httptest.NewServer(New(Options{
		Objects: e.objects, Projects: e.projects, Storage: meet,
		Signer: signertest.New(t), Bucket: testBucket, Authenticate: apitest.Authenticate, Audit: apitest.Audit(t),
	}))
	t.Cleanup(racing.Close)
	e.srv = racing

	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.call(user(alice), "POST", "/objects/"+string(o.ID)+"/revoke", nil).Status
		}()
	}
	wg.Wait()
	require.ElementsMatch(t, []int{http.StatusOK, http.StatusConflict}, statuses)

	got := e.object(o.ID)
	require.EqualValues(t, o.Revision+1, got.Revision, "one revoke moved the bytes")
	stored, ok := e.stored(got.Key)
	require.True(t, ok, "the bytes survive at the object's key")
	require.Equal(t, content, stored)
	_, old := e.stored(o.Key)
	require.False(t, old, "the old key is gone, so old URLs stop working")
}
