package object

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

const md5A = "1B2M2Y8AsgTpgAmY7PhCfg==" // MD5 of ""

func pending(t *testing.T, size int64, md5 string) *Object {
	t.Helper()
	o, err := New("users/u1", "a/b.txt", "text/plain", size, md5, "u1", t0)
	require.NoError(t, err)
	return o
}

func TestNewMakesAPendingObject(t *testing.T) {
	o := pending(t, 10, md5A)
	require.Equal(t, Pending, o.State)
	require.True(t, strings.HasPrefix(string(o.ID), "o_"))
	require.Equal(t, "spaces/users/u1/"+string(o.ID), o.Key)
	require.Equal(t, t0.Add(UploadWindow), o.UploadDeadline)
	require.Zero(t, o.Revision)
	require.True(t, o.Counted())
}

func TestNewRefusesBadInput(t *testing.T) {
	for name, tc := range map[string]struct {
		space, objName, contentType string
		size                        int64
		md5                         string
		code                        apperr.Code
	}{
		"bad space":           {"groups/g1", "x", "text/plain", 1, "", apperr.Invalid},
		"bad project":         {"projects/p1", "x", "text/plain", 1, "", apperr.Invalid},
		"empty name":          {"users/u1", "", "text/plain", 1, "", apperr.Invalid},
		"dot name":            {"users/u1", "..", "text/plain", 1, "", apperr.Invalid},
		"control in name":     {"users/u1", "a\nb", "text/plain", 1, "", apperr.Invalid},
		"no content type":     {"users/u1", "x", "", 1, "", apperr.Invalid},
		"no subtype":          {"users/u1", "x", "text", 1, "", apperr.Invalid},
		"non-ascii type":      {"users/u1", "x", "text/plainé", 1, "", apperr.Invalid},
		"long content type":   {"users/u1", "x", "text/" + strings.Repeat("a", 300), 1, "", apperr.Invalid},
		"negative size":       {"users/u1", "x", "text/plain", -1, "", apperr.Invalid},
		"too large":           {"users/u1", "x", "text/plain", MaxObjectBytes + 1, "", apperr.TooLarge},
		"md5 not base64":      {"users/u1", "x", "text/plain", 1, "nope", apperr.Invalid},
		"md5 of 15 bytes":     {"users/u1", "x", "text/plain", 1, "AAAAAAAAAAAAAAAAAAAA", apperr.Invalid},
		"md5 without padding": {"users/u1", "x", "text/plain", 1, strings.TrimRight(md5A, "="), apperr.Invalid},
		"md5 in url alphabet": {"users/u1", "x", "text/plain", 1, "_B2M2Y8AsgTpgAmY7PhCfg==", apperr.Invalid},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(ids.SpaceID(tc.space), tc.objName, tc.contentType, tc.size, tc.md5, "u1", t0)
			require.Equal(t, tc.code, apperr.CodeOf(err), "%v", err)
		})
	}
	for _, ok := range []struct {
		space ids.SpaceID
		size  int64
		ct    string
	}{{"users/u1", 0, "application/octet-stream"}, {"projects/proj-1", MaxObjectBytes, "text/plain; charset=utf-8"}} {
		_, err := New(ok.space, "x", ok.ct, ok.size, "", "u1", t0)
		require.NoError(t, err)
	}
}

func TestArrivalThatMatchesMakesReady(t *testing.T) {
	o := pending(t, 0, "")
	rejected, err := o.Arrived(Arrival{Generation: 7, SizeBytes: 0, MD5: md5A}, t0.Add(time.Minute))
	require.NoError(t, err)
	require.False(t, rejected)
	require.Equal(t, Ready, o.State)
	require.Equal(t, int64(7), o.Generation)
	require.Equal(t, md5A, o.MD5, "the stored MD5 is recorded when none was declared")
	require.True(t, o.UploadDeadline.IsZero())

	_, err = o.Arrived(Arrival{Generation: 7, SizeBytes: 0, MD5: md5A}, t0)
	require.ErrorIs(t, err, ErrDuplicate, "a redelivered event")
	_, err = o.Arrived(Arrival{Generation: 8, SizeBytes: 0, MD5: md5A}, t0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "another upload to a ready object")
	require.Equal(t, int64(7), o.Generation)
}

func TestArrivalThatDiffersRejects(t *testing.T) {
	for name, a := range map[string]Arrival{
		"smaller":   {Generation: 3, SizeBytes: 9, MD5: md5A},
		"larger":    {Generation: 3, SizeBytes: 11, MD5: md5A},
		"other md5": {Generation: 3, SizeBytes: 10, MD5: "AAAAAAAAAAAAAAAAAAAAAA=="},
	} {
		t.Run(name, func(t *testing.T) {
			o := pending(t, 10, md5A)
			rejected, err := o.Arrived(a, t0)
			require.NoError(t, err)
			require.True(t, rejected)
			require.Equal(t, Rejected, o.State)
			require.False(t, o.Counted())
			_, err = o.Arrived(a, t0)
			require.ErrorIs(t, err, ErrDuplicate)
			a.Generation++
			_, err = o.Arrived(a, t0)
			require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
		})
	}
}

func TestArrivalNeedsAGeneration(t *testing.T) {
	o := pending(t, 1, "")
	_, err := o.Arrived(Arrival{SizeBytes: 1}, t0)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	require.Equal(t, Pending, o.State)
}

func TestExpireRejectsOnlyOverduePending(t *testing.T) {
	o := pending(t, 1, "")
	require.ErrorIs(t, o.Expire(t0.Add(UploadWindow-time.Second)), ErrDuplicate, "still in its window")
	require.NoError(t, o.Expire(t0.Add(UploadWindow)))
	require.Equal(t, Rejected, o.State)
	require.ErrorIs(t, o.Expire(t0.Add(2*UploadWindow)), ErrDuplicate)

	ready := pending(t, 1, "")
	_, err := ready.Arrived(Arrival{Generation: 1, SizeBytes: 1}, t0)
	require.NoError(t, err)
	require.ErrorIs(t, ready.Expire(t0.Add(2*UploadWindow)), ErrDuplicate)
	require.Equal(t, Ready, ready.State)
}

func TestRekey(t *testing.T) {
	o := pending(t, 1, "")
	require.Equal(t, apperr.Conflict, apperr.CodeOf(o.Rekey(0, 5, t0)), "pending objects have nothing to revoke")
	_, err := o.Arrived(Arrival{Generation: 1, SizeBytes: 1}, t0)
	require.NoError(t, err)

	require.NoError(t, o.Rekey(0, 5, t0))
	require.Equal(t, int64(1), o.Revision)
	require.Equal(t, "spaces/users/u1/"+string(o.ID)+".r1", o.Key)
	require.Equal(t, int64(5), o.Generation)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(o.Rekey(0, 6, t0)), "a stale revision")
	require.Equal(t, apperr.Invalid, apperr.CodeOf(o.Rekey(1, 0, t0)))
	require.Equal(t, int64(1), o.Revision)
}

func TestUploadKeyBytesOnlyReject(t *testing.T) {
	o := pending(t, 1, "")
	require.True(t, strings.HasPrefix(o.UploadKey, string(UploadPrefix+"users/u1/"+o.ID+"/")))
	_, err := o.ArrivedAt(o.UploadKey, Arrival{Generation: 3, SizeBytes: 1}, t0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "matching bytes are copied to Key first")
	require.Equal(t, Pending, o.State)
	_, err = o.ArrivedAt(Key(o.Space, o.ID, 1), Arrival{Generation: 3, SizeBytes: 1}, t0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "not one of its keys")

	rejected, err := o.ArrivedAt(o.UploadKey, Arrival{Generation: 3, SizeBytes: 2}, t0)
	require.NoError(t, err)
	require.True(t, rejected)
	_, err = o.ArrivedAt(o.UploadKey, Arrival{Generation: 3, SizeBytes: 2}, t0)
	require.ErrorIs(t, err, ErrDuplicate)

	ready := pending(t, 1, "")
	rejected, err = ready.ArrivedAt(ready.Key, Arrival{Generation: 4, SizeBytes: 1}, t0)
	require.NoError(t, err)
	require.False(t, rejected)
	require.Equal(t, []string{ready.Key, ready.UploadKey}, ready.Keys())
	legacy := Object{Key: ready.Key}
	require.Equal(t, []string{ready.Key}, legacy.Keys())
}
