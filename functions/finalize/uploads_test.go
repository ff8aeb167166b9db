package finalize_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/object"
)

// TestUploadURLReplayedAfterRevokeAndDeleteNeverReachesADownloadKey replays
// an object's upload (its key used up) after a revoke and after a delete:
// the bytes are deleted, the object does not change, and nothing appears
// at any key a download URL names. Before upload keys, the upload URL named
// revision 0's key, so a replay wrote where download URLs signed before the
// revoke pointed.
func TestUploadURLReplayedAfterRevokeAndDeleteNeverReachesADownloadKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	space := newSpace()
	o := e.newObject(space, false)
	e.deliver(e.uploadObject(o, objectBody(o.ID, 0)))
	e.revoke(e.getObject(o.ID))
	require.NoError(t, e.copier.Delete(ctx, objectsBucket, o.Key, 0))
	revoked := e.getObject(o.ID)

	replay := e.uploadObject(o, objectBody(o.ID, 1)) // same size, other bytes
	require.NotEqual(t, o.Key, replay.Name)
	_, _, _, isKey := object.ParseKey(replay.Name)
	require.False(t, isKey, "an upload URL never names a download key")
	e.deliver(replay)
	require.False(t, e.present(replay))
	require.True(t, e.absent(o.Key), "nothing at the revoked key")
	require.Equal(t, revoked, e.getObject(o.ID))
	require.Equal(t, object.Usage{UsedBytes: o.SizeBytes, Objects: 1}, e.usage(space))

	_, err := e.objects.Delete(ctx, o.ID)
	require.NoError(t, err)
	require.NoError(t, e.copier.Delete(ctx, objectsBucket, revoked.Key, 0))
	replay = e.uploadObject(o, objectBody(o.ID, 0))
	e.deliver(replay)
	require.False(t, e.present(replay))
	require.True(t, e.absent(o.Key))
	require.True(t, e.absent(revoked.Key))
	require.Equal(t, object.Usage{}, e.usage(space))
}

// TestCopyLeftByAnEarlierAttemptIsAdopted: a delivery copied the upload
// and failed before recording it; the redelivery finds the copy (the
// create-only copy is refused) and records its generation.
func TestCopyLeftByAnEarlierAttemptIsAdopted(t *testing.T) {
	e := newEnv(t)
	space := newSpace()
	o := e.newObject(space, true)
	up := e.uploadObject(o, objectBody(o.ID, 0))
	earlier, err := e.copier.Copy(context.Background(), objectsBucket, o.UploadKey, gen(t, up), o.Key)
	require.NoError(t, err)

	e.deliver(up)
	got := e.getObject(o.ID)
	require.Equal(t, object.Ready, got.State)
	require.Equal(t, earlier.Generation, got.Generation)
	require.Equal(t, earlier.Generation, gen(t, e.atKey(o.Key)), "the copy was not made again")
	require.False(t, e.present(up))
	require.Equal(t, object.Usage{UsedBytes: o.SizeBytes, Objects: 1}, e.usage(space))
}

// hookCopier runs before ahead of each copy.
type hookCopier struct {
	gcs.Copier
	before func()
}

func (c hookCopier) Copy(ctx context.Context, bucket, src string, gen int64, dst string) (gcs.Copied, error) {
	c.before()
	return c.Copier.Copy(ctx, bucket, src, gen, dst)
}

// TestObjectThatMovesOnWhileItsUploadIsCopied deletes or expires the
// object between finalize's read and its record of the copy: the copy is
// nobody's and is deleted with the upload.
func TestObjectThatMovesOnWhileItsUploadIsCopied(t *testing.T) {
	for name, tc := range map[string]struct {
		change func(e *env, o *object.Object)
		exists bool
	}{
		"deleted": {func(e *env, o *object.Object) {
			_, err := e.objects.Delete(context.Background(), o.ID)
			require.NoError(e.t, err)
		}, false},
		"expired": {func(e *env, o *object.Object) {
			_, err := e.objects.Expire(context.Background(), o.ID, o.UploadDeadline)
			require.NoError(e.t, err)
		}, true},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			space := newSpace()
			o := e.newObject(space, true)
			h := finalize.New(finalize.Options{Store: e.store, Objects: e.copier, Bucket: jobsBucket, ObjectStore: e.objects,
				Copier: hookCopier{Copier: e.copier, before: func() { tc.change(e, o) }}, ObjectsBucket: objectsBucket})
			up := e.uploadObject(o, objectBody(o.ID, 0))
			require.NoError(t, h.HandleEvent(context.Background(), finalized(t, up)))
			require.False(t, e.present(up))
			require.True(t, e.absent(o.Key), "the copy is deleted")
			got, err := e.objects.Get(context.Background(), o.ID)
			if tc.exists {
				require.NoError(t, err)
				require.Equal(t, object.Rejected, got.State)
			} else {
				require.Error(t, err)
			}
			require.Equal(t, object.Usage{}, e.usage(space))
		})
	}
}
