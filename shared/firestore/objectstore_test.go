package firestore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/object"
)

var (
	objectNow     = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	objectTestSeq atomic.Int64
)

// newObjectSpace returns a user space no other test uses.
func newObjectSpace(t *testing.T) string {
	return fmt.Sprintf("users/ot%d-%d", time.Now().UnixNano()%1e9, objectTestSeq.Add(1))
}

func newObjectStore(t *testing.T) *valetfs.ObjectStore {
	return valetfs.NewObjectStore(firestoretest.New(t))
}

func createObject(t *testing.T, s *valetfs.ObjectStore, space, name string, size int64, quota int64) (*object.Object, error) {
	t.Helper()
	o, err := object.New(space, name, "application/octet-stream", size, "", "u1", objectNow)
	require.NoError(t, err)
	return o, s.Create(context.Background(), o, quota)
}

func mustCreate(t *testing.T, s *valetfs.ObjectStore, space, name string, size int64) *object.Object {
	t.Helper()
	o, err := createObject(t, s, space, name, size, 0)
	require.NoError(t, err)
	return o
}

func usage(t *testing.T, s *valetfs.ObjectStore, space string) valetfs.Usage {
	t.Helper()
	u, err := s.Usage(context.Background(), space)
	require.NoError(t, err)
	return u
}

func TestObjectStoreCreateCountsPendingAgainstQuota(t *testing.T) {
	s := newObjectStore(t)
	ctx := context.Background()
	space := newObjectSpace(t)
	require.Equal(t, valetfs.Usage{}, usage(t, s, space), "an unused space")

	o, err := createObject(t, s, space, "a", 60, 100)
	require.NoError(t, err)
	got, err := s.Get(ctx, o.ID)
	require.NoError(t, err)
	require.Equal(t, o.Key, got.Key)
	require.Equal(t, object.Pending, got.State)
	require.Equal(t, valetfs.Usage{ReservedBytes: 60, Objects: 1}, usage(t, s, space))

	_, err = createObject(t, s, space, "b", 41, 100)
	require.Equal(t, apperr.TooLarge, apperr.CodeOf(err), "pending bytes count")
	require.Contains(t, err.Error(), "space "+space+" would hold 101 bytes, over its quota of 100 bytes")
	_, err = createObject(t, s, space, "b", 40, 100)
	require.NoError(t, err, "exactly at quota")
	require.Equal(t, valetfs.Usage{ReservedBytes: 100, Objects: 2}, usage(t, s, space))

	require.Equal(t, apperr.Conflict, apperr.CodeOf(s.Create(ctx, o, 0)), "the same id twice")
	_, err = s.Get(ctx, "o_aaaaaaaaaaaaaaaaaaaaaaaaaa")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	_, err = s.Get(ctx, "not/an/id")
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func TestObjectStoreProjectSpaceNeedsALiveProject(t *testing.T) {
	client := firestoretest.New(t)
	s := valetfs.NewObjectStore(client)
	ctx := context.Background()
	pid := fmt.Sprintf("op%d-%d", time.Now().UnixNano()%1e9, objectTestSeq.Add(1))
	space := "projects/" + pid

	_, err := createObject(t, s, space, "a", 1, 0)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "absent project")
	require.Contains(t, err.Error(), "project "+pid+" not found")

	_, err = client.Collection(valetfs.ProjectsCollection).Doc(pid).Set(ctx, map[string]any{"id": pid, "deleting": false})
	require.NoError(t, err)
	_, err = createObject(t, s, space, "a", 1, 0)
	require.NoError(t, err)

	_, err = client.Collection(valetfs.ProjectsCollection).Doc(pid).Set(ctx, map[string]any{"id": pid, "deleting": true})
	require.NoError(t, err)
	_, err = createObject(t, s, space, "b", 1, 0)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "project being deleted")
	require.Equal(t, int64(1), usage(t, s, space).Objects)
}

func TestObjectStoreArrival(t *testing.T) {
	s := newObjectStore(t)
	ctx := context.Background()
	space := newObjectSpace(t)
	ok := mustCreate(t, s, space, "ok", 10)
	bad := mustCreate(t, s, space, "bad", 20)
	require.Equal(t, valetfs.Usage{ReservedBytes: 30, Objects: 2}, usage(t, s, space))

	o, rejected, err := s.Arrived(ctx, ok.ID, ok.Key, object.Arrival{Generation: 5, SizeBytes: 10, MD5: "1B2M2Y8AsgTpgAmY7PhCfg=="}, objectNow)
	require.NoError(t, err)
	require.False(t, rejected)
	require.Equal(t, object.Ready, o.State)
	require.Equal(t, valetfs.Usage{UsedBytes: 10, ReservedBytes: 20, Objects: 2}, usage(t, s, space))

	_, _, err = s.Arrived(ctx, ok.ID, ok.Key, object.Arrival{Generation: 5, SizeBytes: 10}, objectNow)
	require.ErrorIs(t, err, object.ErrDuplicate, "a redelivered event")
	_, _, err = s.Arrived(ctx, ok.ID, ok.Key, object.Arrival{Generation: 6, SizeBytes: 10}, objectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "another generation")
	_, _, err = s.Arrived(ctx, ok.ID, object.Key(space, ok.ID, 3), object.Arrival{Generation: 5, SizeBytes: 10}, objectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "another key")
	require.Equal(t, valetfs.Usage{UsedBytes: 10, ReservedBytes: 20, Objects: 2}, usage(t, s, space), "nothing more counted")

	o, rejected, err = s.Arrived(ctx, bad.ID, bad.Key, object.Arrival{Generation: 9, SizeBytes: 21}, objectNow)
	require.NoError(t, err)
	require.True(t, rejected)
	require.Equal(t, object.Rejected, o.State)
	require.Equal(t, valetfs.Usage{UsedBytes: 10, Objects: 1}, usage(t, s, space))

	_, _, err = s.Arrived(ctx, "o_aaaaaaaaaaaaaaaaaaaaaaaaaa", ok.Key, object.Arrival{Generation: 1}, objectNow)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func TestObjectStoreDeleteReleasesBytes(t *testing.T) {
	s := newObjectStore(t)
	ctx := context.Background()
	space := newObjectSpace(t)
	ready := mustCreate(t, s, space, "ready", 10)
	pending := mustCreate(t, s, space, "pending", 20)
	rejected := mustCreate(t, s, space, "rejected", 30)
	_, _, err := s.Arrived(ctx, ready.ID, ready.Key, object.Arrival{Generation: 1, SizeBytes: 10}, objectNow)
	require.NoError(t, err)
	_, _, err = s.Arrived(ctx, rejected.ID, rejected.Key, object.Arrival{Generation: 1, SizeBytes: 1}, objectNow)
	require.NoError(t, err)
	require.Equal(t, valetfs.Usage{UsedBytes: 10, ReservedBytes: 20, Objects: 2}, usage(t, s, space))

	for _, o := range []*object.Object{ready, pending, rejected} {
		got, err := s.Delete(ctx, o.ID)
		require.NoError(t, err)
		require.Equal(t, o.Key, got.Key, "the caller deletes the bytes there")
		_, err = s.Get(ctx, o.ID)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	}
	require.Equal(t, valetfs.Usage{}, usage(t, s, space))
	_, err = s.Delete(ctx, ready.ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func TestObjectStoreRekey(t *testing.T) {
	s := newObjectStore(t)
	ctx := context.Background()
	space := newObjectSpace(t)
	o := mustCreate(t, s, space, "x", 1)
	_, err := s.Rekey(ctx, o.ID, 0, 5, objectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "pending")
	_, _, err = s.Arrived(ctx, o.ID, o.Key, object.Arrival{Generation: 1, SizeBytes: 1}, objectNow)
	require.NoError(t, err)

	got, err := s.Rekey(ctx, o.ID, 0, 5, objectNow)
	require.NoError(t, err)
	require.Equal(t, object.Key(space, o.ID, 1), got.Key)
	require.Equal(t, int64(5), got.Generation)
	_, err = s.Rekey(ctx, o.ID, 0, 6, objectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the revision moved")

	_, _, err = s.Arrived(ctx, o.ID, got.Key, object.Arrival{Generation: 5, SizeBytes: 1}, objectNow)
	require.ErrorIs(t, err, object.ErrDuplicate, "the copy's own finalize event")
	_, _, err = s.Arrived(ctx, o.ID, o.Key, object.Arrival{Generation: 1, SizeBytes: 1}, objectNow)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "the old key")
	require.Equal(t, valetfs.Usage{UsedBytes: 1, Objects: 1}, usage(t, s, space))
}

func TestObjectStoreListByPrefixAndPage(t *testing.T) {
	s := newObjectStore(t)
	ctx := context.Background()
	space := newObjectSpace(t)
	names := []string{"a/1", "a/2", "a/3", "a/3", "a0", "b/1", "a/é"}
	for _, n := range names {
		mustCreate(t, s, space, n, 1)
	}
	gone := mustCreate(t, s, space, "a/rejected", 1)
	_, _, err := s.Arrived(ctx, gone.ID, gone.Key, object.Arrival{Generation: 1, SizeBytes: 2}, objectNow)
	require.NoError(t, err)
	mustCreate(t, s, newObjectSpace(t), "a/other-space", 1)

	var got []string
	token := ""
	for pages := 1; ; pages++ {
		page, next, err := s.List(ctx, space, "a/", 2, token)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 2)
		for _, o := range page {
			got = append(got, o.Name)
		}
		if next == "" {
			require.Equal(t, 3, pages)
			break
		}
		token = next
	}
	require.Equal(t, []string{"a/1", "a/2", "a/3", "a/3", "a/é"}, got)

	all, next, err := s.List(ctx, space, "", 0, "")
	require.NoError(t, err)
	require.Empty(t, next)
	require.Len(t, all, len(names))
	require.Equal(t, "b/1", all[len(all)-1].Name)

	for name, call := range map[string]func() error{
		"page size": func() error { _, _, err := s.List(ctx, space, "", 1001, ""); return err },
		"negative":  func() error { _, _, err := s.List(ctx, space, "", -1, ""); return err },
		"bad token": func() error { _, _, err := s.List(ctx, space, "", 1, "!!"); return err },
		"bad space": func() error { _, _, err := s.List(ctx, "nowhere", "", 1, ""); return err },
		"long prefix": func() error {
			_, _, err := s.List(ctx, space, strings.Repeat("a", 1025), 1, "")
			return err
		},
	} {
		require.Equal(t, apperr.Invalid, apperr.CodeOf(call()), name)
	}
}

func TestObjectStoreExpiresPendingUploads(t *testing.T) {
	s := newObjectStore(t)
	ctx := context.Background()
	space := newObjectSpace(t)
	late := mustCreate(t, s, space, "late", 7)
	arrived := mustCreate(t, s, space, "arrived", 3)
	_, _, err := s.Arrived(ctx, arrived.ID, arrived.Key, object.Arrival{Generation: 1, SizeBytes: 3}, objectNow)
	require.NoError(t, err)

	// Other tests' objects share the collection: look for ours only.
	due := func(now time.Time) []string {
		ids, err := s.PendingDue(ctx, now, 1000)
		require.NoError(t, err)
		return ids
	}
	require.NotContains(t, due(objectNow.Add(object.UploadWindow-time.Second)), late.ID)
	later := objectNow.Add(object.UploadWindow)
	require.Contains(t, due(later), late.ID)
	require.NotContains(t, due(later), arrived.ID)

	_, err = s.Expire(ctx, late.ID, objectNow)
	require.ErrorIs(t, err, object.ErrDuplicate, "still in its window")
	o, err := s.Expire(ctx, late.ID, later)
	require.NoError(t, err)
	require.Equal(t, object.Rejected, o.State)
	require.Equal(t, valetfs.Usage{UsedBytes: 3, Objects: 1}, usage(t, s, space))
	require.NotContains(t, due(later), late.ID)
	_, err = s.Expire(ctx, late.ID, later)
	require.ErrorIs(t, err, object.ErrDuplicate)
	_, err = s.Expire(ctx, arrived.ID, later)
	require.ErrorIs(t, err, object.ErrDuplicate)
	_, err = s.PendingDue(ctx, later, 0)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

func TestObjectStoreQuotaHoldsUnderConcurrency(t *testing.T) {
	s := newObjectStore(t)
	space := newObjectSpace(t)
	var wg sync.WaitGroup
	var created, tooLarge atomic.Int64
	for i := range 10 {
		wg.Go(func() {
			_, err := createObject(t, s, space, fmt.Sprintf("f%d", i), 10, 50)
			switch apperr.CodeOf(err) {
			case "":
				created.Add(1)
			case apperr.TooLarge:
				tooLarge.Add(1)
			default:
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, int64(5), created.Load())
	require.Equal(t, int64(5), tooLarge.Load())
	require.Equal(t, valetfs.Usage{ReservedBytes: 50, Objects: 5}, usage(t, s, space))
}
