package finalize_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/privategcs/privategcstest"
	"valet.dev/valet/functions/finalize"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
)

var spaceSeq atomic.Int64

// newSpace returns a user space no other test (nor an earlier run) uses.
func newSpace() ids.SpaceID {
	return ids.SpaceID(fmt.Sprintf("users/fin%d-%d", time.Now().UnixNano()%1e9, spaceSeq.Add(1)))
}

// objectBody is what a test uploads for object id: n picks another body of
// the same length.
func objectBody(id ids.ObjectID, n int) []byte { return fmt.Appendf(nil, "bytes of %s #%d", id, n) }

// newObject stores a PENDING object of space declaring the size and, when
// withMD5, the MD5 of objectBody(id, 0).
func (e *env) newObject(space ids.SpaceID, withMD5 bool) *object.Object {
	e.t.Helper()
	o, err := object.New(space, "data/file.bin", "application/octet-stream", 0, "", "fin-test", e.now)
	require.NoError(e.t, err)
	body := objectBody(o.ID, 0)
	o.SizeBytes = int64(len(body))
	if withMD5 {
		o.MD5 = md5b64(body)
	}
	require.NoError(e.t, e.objects.Create(context.Background(), o, 0))
	return o
}

// uploadObject writes body at o's upload key, as its upload URL does.
func (e *env) uploadObject(o *object.Object, body []byte) finalize.StorageObject {
	e.t.Helper()
	return e.uploadTo(objectsBucket, o.UploadKey, body)
}

// writeAtKey writes body at o's key, where only valet writes (and the
// upload URLs of objects from before upload keys did).
func (e *env) writeAtKey(o *object.Object, body []byte) finalize.StorageObject {
	e.t.Helper()
	return e.uploadTo(objectsBucket, o.Key, body)
}

// atKey is the event of the bytes now at key (finalize's copy of an
// upload, for one).
func (e *env) atKey(key string) finalize.StorageObject {
	e.t.Helper()
	got, err := e.storage.GetObject(objectsBucket, key)
	require.NoError(e.t, err, key)
	return finalize.StorageObject{
		Bucket: objectsBucket, Name: key, Generation: strconv.FormatInt(got.Generation, 10),
		Size: strconv.Itoa(len(got.Content)), MD5Hash: got.Md5Hash, ContentType: got.ContentType,
	}
}

// absent reports whether nothing is at key.
func (e *env) absent(key string) bool {
	_, err := e.storage.GetObject(objectsBucket, key)
	return err != nil
}

func (e *env) getObject(id ids.ObjectID) *object.Object {
	e.t.Helper()
	o, err := e.objects.Get(context.Background(), id)
	require.NoError(e.t, err)
	return o
}

func (e *env) usage(space ids.SpaceID) object.Usage {
	e.t.Helper()
	u, err := e.objects.Usage(context.Background(), space)
	require.NoError(e.t, err)
	return u
}

// revoke re-keys a READY object as the objects function does: it copies
// the bytes to the next revision's key (returned), then moves the metadata.
func (e *env) revoke(o *object.Object) (cp finalize.StorageObject) {
	e.t.Helper()
	cp = e.landCopy(o)
	_, err := e.objects.Rekey(context.Background(), o.ID, o.Revision, gen(e.t, cp), e.now)
	require.NoError(e.t, err)
	return cp
}

// landCopy writes o's bytes at the key of its next revision, the first
// step of a revoke.
func (e *env) landCopy(o *object.Object) finalize.StorageObject {
	e.t.Helper()
	return e.uploadTo(objectsBucket, object.Key(o.Space, o.ID, o.Revision+1), objectBody(o.ID, 0))
}

func gen(t testing.TB, obj finalize.StorageObject) int64 {
	t.Helper()
	var g int64
	_, err := fmt.Sscan(obj.Generation, &g)
	require.NoError(t, err)
	return g
}

func TestMatchingUploadMakesTheObjectReady(t *testing.T) {
	for name, withMD5 := range map[string]bool{"md5 declared": true, "no md5 declared": false} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			space := newSpace()
			o := e.newObject(space, withMD5)
			up := e.uploadObject(o, objectBody(o.ID, 0))

			e.deliver(up)
			got := e.getObject(o.ID)
			require.Equal(t, object.Ready, got.State)
			copied := e.atKey(o.Key)
			require.Equal(t, gen(t, copied), got.Generation, "the bytes are the copy at the object's key")
			require.Equal(t, up.MD5Hash, copied.MD5Hash)
			require.Equal(t, up.MD5Hash, got.MD5)
			require.True(t, got.UploadDeadline.IsZero())
			require.False(t, e.present(up), "the uploaded bytes are deleted once copied")
			require.Equal(t, object.Usage{UsedBytes: o.SizeBytes, Objects: 1}, e.usage(space), "counted once")

			// The copy's own event and the upload's again change nothing.
			e.deliver(copied)
			e.deliver(up)
			require.Equal(t, got, e.getObject(o.ID))
			require.Equal(t, object.Usage{UsedBytes: o.SizeBytes, Objects: 1}, e.usage(space))
			require.True(t, e.present(copied))
		})
	}
}

func TestMismatchedUploadRejectsTheObjectAndDeletesItsBytes(t *testing.T) {
	for name, body := range map[string]func(id ids.ObjectID) []byte{
		"size": func(id ids.ObjectID) []byte { return append(objectBody(id, 0), "too long"...) },
		"md5":  func(id ids.ObjectID) []byte { return objectBody(id, 1) }, // same length, other bytes
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			space := newSpace()
			o := e.newObject(space, true)
			bad := e.uploadObject(o, body(o.ID))

			e.deliver(bad)
			got := e.getObject(o.ID)
			require.Equal(t, object.Rejected, got.State)
			require.Equal(t, gen(t, bad), got.Generation)
			require.False(t, e.present(bad), "the rejected bytes are deleted")
			require.Equal(t, object.Usage{}, e.usage(space), "the reservation is released")

			// A redelivery after the deletion acknowledges and changes nothing.
			e.deliver(bad)
			require.Equal(t, got, e.getObject(o.ID))

			// Another upload to the rejected object is deleted too.
			again := e.uploadObject(o, objectBody(o.ID, 0))
			e.deliver(again)
			require.Equal(t, object.Rejected, e.getObject(o.ID).State)
			require.False(t, e.present(again))
		})
	}
}

func TestUploadToAReadyObjectIsDeleted(t *testing.T) {
	e := newEnv(t)
	o := e.newObject(newSpace(), true)
	first := e.uploadObject(o, objectBody(o.ID, 0))
	e.deliver(first)
	ready := e.getObject(o.ID)

	// The upload URL replayed: its key is used up.
	replay := e.uploadObject(o, objectBody(o.ID, 0))
	e.deliver(replay)
	require.False(t, e.present(replay))
	// Bytes at the object's key under a generation that is not the object's.
	stray := e.writeAtKey(o, objectBody(o.ID, 0))
	e.deliver(stray)
	require.False(t, e.present(stray))
	require.Equal(t, ready, e.getObject(o.ID))
}

func TestUploadOfAnAbsentObjectIsDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()

	deleted := e.newObject(newSpace(), true)
	_, err := e.objects.Delete(ctx, deleted.ID)
	require.NoError(t, err)
	late := e.uploadObject(deleted, objectBody(deleted.ID, 0))
	e.deliver(late)
	require.False(t, e.present(late), "nobody can reach the bytes of a deleted object")
	e.deliver(late) // redelivered after the deletion

	never := e.uploadTo(objectsBucket, object.Key(newSpace(), ids.NewObjectID(), 0), []byte("x"))
	e.deliver(never)
	require.False(t, e.present(never))
	neverUploaded := e.uploadTo(objectsBucket, object.UploadKey(newSpace(), ids.ObjectID(string(ids.NewObjectID())), ids.NewSuffix()), []byte("x"))
	e.deliver(neverUploaded)
	require.False(t, e.present(neverUploaded))
}

func TestBytesOfAnOlderRevisionAreDeletedAndOfANewerOneLeft(t *testing.T) {
	e := newEnv(t)
	space := newSpace()
	o := e.newObject(space, true)
	e.deliver(e.uploadObject(o, objectBody(o.ID, 0)))
	orig := e.atKey(o.Key)

	// The revoke's copy lands and its event arrives before the metadata moves.
	cp := e.landCopy(e.getObject(o.ID))
	e.deliver(cp)
	require.True(t, e.present(cp), "bytes of a revoke in progress are left")
	require.Zero(t, e.getObject(o.ID).Revision)
	require.True(t, e.present(orig))

	_, err := e.objects.Rekey(context.Background(), o.ID, 0, gen(t, cp), e.now)
	require.NoError(t, err)
	moved := e.getObject(o.ID)

	// The copy's event again is now a duplicate; the old key's event (a
	// redelivery) finds garbage and deletes it.
	e.deliver(cp)
	e.deliver(orig)
	require.True(t, e.present(cp))
	require.False(t, e.present(orig), "bytes of a revoked revision are deleted")
	require.Equal(t, moved, e.getObject(o.ID))
	require.Equal(t, object.Ready, moved.State)
	require.Equal(t, int64(1), moved.Revision)
	require.Equal(t, object.Usage{UsedBytes: o.SizeBytes, Objects: 1}, e.usage(space))

	// A fresh upload at the old key (a signed URL still valid) is deleted.
	stale := e.uploadTo(objectsBucket, orig.Name, objectBody(o.ID, 0))
	e.deliver(stale)
	require.False(t, e.present(stale))
}

func TestIgnoredObjectEventsAreAcknowledged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	space := newSpace()
	o := e.newObject(space, true)
	good := e.uploadObject(o, objectBody(o.ID, 0))

	badGeneration := good
	badGeneration.Generation = "0"
	badSize := good
	badSize.Size = "-1"
	noSize := good
	noSize.Size = ""
	for name, obj := range map[string]finalize.StorageObject{
		"outside the layout":       e.uploadTo(objectsBucket, "random/object", []byte("x")),
		"job layout":               e.uploadTo(objectsBucket, "jobs/"+ids.NewJobID().String()+"/workspace.tar", []byte("x")),
		"revision zero":            e.uploadTo(objectsBucket, o.Key+".r0", []byte("x")),
		"bad space":                e.uploadTo(objectsBucket, string("spaces/groups/g1/"+o.ID), []byte("x")),
		"upload key, bad":          e.uploadTo(objectsBucket, o.UploadKey+"x", []byte("x")),
		"upload key, other space":  e.uploadTo(objectsBucket, object.UploadKey(newSpace(), o.ID, ids.NewSuffix()), objectBody(o.ID, 0)),
		"upload key, other suffix": e.uploadTo(objectsBucket, object.UploadKey(o.Space, o.ID, ids.NewSuffix()), objectBody(o.ID, 0)),
		"bad generation":           badGeneration,
		"bad size":                 badSize,
		"missing size":             noSize,
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, e.h.HandleEvent(ctx, finalized(t, obj)))
			if obj.Name != good.Name {
				require.True(t, e.present(obj), "bytes under keys valet does not hand out are left alone")
			}
		})
	}
	require.Equal(t, object.Pending, e.getObject(o.ID).State, "none of those touched the object")
	require.Equal(t, object.Usage{ReservedBytes: o.SizeBytes, Objects: 1}, e.usage(space))
	require.True(t, e.present(good))
}

func TestObjectPathNeedsItsStore(t *testing.T) {
	ev := finalized(t, finalize.StorageObject{Bucket: objectsBucket, Name: object.Key("users/u1", ids.ObjectID(string(ids.NewObjectID())), 0), Generation: "1", Size: "1"})
	h := finalize.New(finalize.Options{Store: valetfs.NewJobStore(nil), Objects: &flakyDeleter{}, Bucket: jobsBucket, ObjectsBucket: objectsBucket})
	require.Error(t, h.HandleEvent(context.Background(), ev))
	e := newEnv(t)
	h = finalize.New(finalize.Options{Store: e.store, Objects: &flakyDeleter{}, Bucket: jobsBucket, ObjectStore: e.objects, ObjectsBucket: objectsBucket})
	require.Error(t, h.HandleEvent(context.Background(), ev), "no copier")
}

func TestObjectsBucketIsIgnoredWhenNotConfigured(t *testing.T) {
	e := newEnv(t)
	o := e.newObject(newSpace(), true)
	up := e.uploadObject(o, objectBody(o.ID, 0))
	h := finalize.New(finalize.Options{Store: e.store, Objects: privategcstest.Client(t, e.storage.HTTPClient().Transport), Bucket: jobsBucket})
	require.NoError(t, h.HandleEvent(context.Background(), finalized(t, up)))
	require.Equal(t, object.Pending, e.getObject(o.ID).State)
	require.True(t, e.present(up))
}

func TestFailedDeletionOfRejectedBytesIsRetried(t *testing.T) {
	e := newEnv(t)
	deleter := &flakyDeleter{fail: 1, next: privategcstest.Client(t, e.storage.HTTPClient().Transport)}
	h := finalize.New(finalize.Options{Store: e.store, Objects: deleter, Bucket: jobsBucket, ObjectStore: e.objects, Copier: e.copier, ObjectsBucket: objectsBucket, Now: func() time.Time { return e.now }})
	o := e.newObject(newSpace(), true)
	bad := e.uploadObject(o, []byte("not what was declared"))

	require.Error(t, h.HandleEvent(context.Background(), finalized(t, bad)), "the deletion failed: retry")
	require.True(t, e.present(bad))
	require.Equal(t, object.Rejected, e.getObject(o.ID).State)
	require.NoError(t, h.HandleEvent(context.Background(), finalized(t, bad)))
	require.False(t, e.present(bad))
	require.Equal(t, 2, deleter.calls)

	// Likewise for the bytes of a deleted object.
	gone := e.newObject(newSpace(), true)
	_, err := e.objects.Delete(context.Background(), gone.ID)
	require.NoError(t, err)
	late := e.uploadObject(gone, objectBody(gone.ID, 0))
	deleter.fail, deleter.calls = 1, 0
	require.Error(t, h.HandleEvent(context.Background(), finalized(t, late)))
	require.True(t, e.present(late))
	require.NoError(t, h.HandleEvent(context.Background(), finalized(t, late)))
	require.False(t, e.present(late))
}

// objectScenario is one object's storage history.
type objectScenario struct {
	body    int  // objectBody(id, body) is uploaded: 0 matches, 1 has another MD5
	longer  bool // the upload has more bytes than declared
	withMD5 bool // the MD5 is declared
	deleted bool // the object is deleted before its bytes arrive
	revoked bool // once READY, the object is revoked
}

func objectScenarios() []objectScenario {
	return []objectScenario{
		{withMD5: true}, {withMD5: false}, {withMD5: true, revoked: true}, {withMD5: false, revoked: true},
		{withMD5: true, body: 1}, {withMD5: false, body: 1}, // no MD5 declared: another body of that length is fine
		{withMD5: true, longer: true}, {withMD5: false, longer: true},
		{withMD5: true, deleted: true}, {withMD5: true, revoked: true},
	}
}

// objectHistory is a scenario's object and the events its bytes cause.
type objectHistory struct {
	obj      *object.Object
	arrival  finalize.StorageObject   // the upload, at the upload key
	revision []finalize.StorageObject // after the revoke: the copy, then the upload replayed
}

func (e *env) playObject(space ids.SpaceID, s objectScenario) objectHistory {
	e.t.Helper()
	o := e.newObject(space, s.withMD5)
	body := objectBody(o.ID, s.body)
	if s.longer {
		body = append(body, '!')
	}
	h := objectHistory{obj: o, arrival: e.uploadObject(o, body)}
	if s.deleted {
		_, err := e.objects.Delete(context.Background(), o.ID)
		require.NoError(e.t, err)
	}
	return h
}

// copies are the events of finalize's copies to the objects' keys.
func (e *env) copies(hs []objectHistory) []finalize.StorageObject {
	var out []finalize.StorageObject
	for _, h := range hs {
		if !e.absent(h.obj.Key) {
			out = append(out, e.atKey(h.obj.Key))
		}
	}
	return out
}

// objectOutcome is what must not depend on delivery order or repetition.
type objectOutcome struct {
	Exists          bool
	State           object.State
	Revision        int64
	ArrivalPresent  bool // the uploaded bytes
	KeyPresent      bool // bytes at revision 0's key
	RevisionPresent bool
}

func (e *env) objectOutcome(h objectHistory) objectOutcome {
	e.t.Helper()
	out := objectOutcome{ArrivalPresent: !e.absent(h.arrival.Name), KeyPresent: !e.absent(h.obj.Key)}
	if len(h.revision) > 0 {
		out.RevisionPresent = e.present(h.revision[0])
	}
	o, err := e.objects.Get(context.Background(), h.obj.ID)
	if err == nil {
		out.Exists, out.State, out.Revision = true, o.State, o.Revision
	}
	return out
}

// revokeReady revokes the READY objects of scenarios that ask for it, then
// replays their upload URL.
func (e *env) revokeReady(ss []objectScenario, hs []objectHistory) {
	e.t.Helper()
	for i, s := range ss {
		if !s.revoked {
			continue
		}
		o := e.getObject(hs[i].obj.ID)
		require.Equal(e.t, object.Ready, o.State, "object %d", i)
		cp := e.revoke(o)
		require.NoError(e.t, e.copier.Delete(context.Background(), objectsBucket, o.Key, 0), "the revoke deletes the old key")
		hs[i].revision = append(hs[i].revision, cp, e.uploadObject(o, objectBody(o.ID, 0)))
	}
}

// TestRedeliveredShuffledObjectEventsEqualInOrderDelivery delivers every
// finalize event of ten objects twice, shuffled (uploads, finalize's own
// copies, revokes' copies and replayed upload URLs), and requires the
// objects, their bytes and their space's usage to end as one in-order
// delivery leaves them.
func TestRedeliveredShuffledObjectEventsEqualInOrderDelivery(t *testing.T) {
	ss := objectScenarios()
	e := newEnv(t)
	space := newSpace()
	var hs []objectHistory
	for _, s := range ss {
		hs = append(hs, e.playObject(space, s))
	}
	for _, h := range hs {
		e.deliver(h.arrival)
	}
	for _, obj := range e.copies(hs) {
		e.deliver(obj)
	}
	e.revokeReady(ss, hs)
	for _, h := range hs {
		for _, obj := range h.revision {
			e.deliver(obj)
		}
	}
	var want []objectOutcome
	for _, h := range hs {
		want = append(want, e.objectOutcome(h))
	}
	wantUsage := e.usage(space)
	require.Equal(t, objectOutcome{Exists: true, State: object.Ready, KeyPresent: true}, want[0])
	require.Equal(t, objectOutcome{Exists: true, State: object.Ready, Revision: 1, RevisionPresent: true}, want[2],
		"the replayed upload URL wrote nothing readable")
	require.Equal(t, objectOutcome{Exists: true, State: object.Rejected}, want[4])
	require.Equal(t, objectOutcome{Exists: true, State: object.Ready, KeyPresent: true}, want[5])
	require.Equal(t, objectOutcome{Exists: true, State: object.Rejected}, want[6])
	require.Equal(t, objectOutcome{}, want[8])

	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			e := newEnv(t)
			space := newSpace()
			rng := rand.New(rand.NewPCG(seed, seed*7919))
			var hs []objectHistory
			var arrivals []finalize.StorageObject
			for _, s := range ss {
				h := e.playObject(space, s)
				hs = append(hs, h)
				arrivals = append(arrivals, h.arrival, h.arrival)
			}
			rng.Shuffle(len(arrivals), func(i, j int) { arrivals[i], arrivals[j] = arrivals[j], arrivals[i] })
			for _, obj := range arrivals {
				e.deliver(obj)
			}
			later := e.copies(hs)
			later = append(later, later...)
			e.revokeReady(ss, hs)
			for _, h := range hs {
				later = append(later, h.revision...)
				later = append(later, h.revision...)
			}
			rng.Shuffle(len(later), func(i, j int) { later[i], later[j] = later[j], later[i] })
			for _, obj := range later {
				e.deliver(obj)
			}

			for i, h := range hs {
				require.Equal(t, want[i], e.objectOutcome(h), "object %d", i)
			}
			require.Equal(t, wantUsage, e.usage(space))
		})
	}
}
