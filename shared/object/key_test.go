package object

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/ids"
)

const oid = "o_3vq7ctbk2xw4mrodz6ehnyfsla"

func TestKeyRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		space ids.SpaceID
		rev   int64
		key   string
	}{
		{"users/u1", 0, "spaces/users/u1/" + oid},
		{"projects/proj-1", 1, "spaces/projects/proj-1/" + oid + ".r1"},
		{"users/u1", 12, "spaces/users/u1/" + oid + ".r12"},
	} {
		require.Equal(t, tc.key, Key(tc.space, oid, tc.rev))
		space, id, rev, ok := ParseKey(tc.key)
		require.True(t, ok, tc.key)
		require.Equal(t, tc.space, space)
		require.Equal(t, ids.ObjectID(oid), id)
		require.Equal(t, tc.rev, rev)
	}
}

func TestParseKeyIsStrict(t *testing.T) {
	for _, key := range []string{
		"",
		"spaces/",
		"spaces/users/u1",
		"spaces/users/u1/",
		"users/u1/" + oid,
		"spaces/users/u1/" + oid + ".r0",
		"spaces/users/u1/" + oid + ".r01",
		"spaces/users/u1/" + oid + ".r",
		"spaces/users/u1/" + oid + ".x1",
		"spaces/users/u1/" + oid + ".r-1",
		"spaces/users/u1/" + oid + ".r1.r2",
		"spaces/users/u1/" + oid + ".r99999999999999999999",
		"spaces/users/U1/" + oid,
		"spaces/groups/g1/" + oid,
		"spaces/projects/p1/" + oid,
		"spaces/users/u1/x/" + oid,
		"spaces/users/u1/j_3vq7ctbk2xw4mrodz6ehnyfsla",
		"jobs/j_abc/output.tar",
	} {
		_, _, _, ok := ParseKey(key)
		require.False(t, ok, key)
	}
}

func FuzzParseKey(f *testing.F) {
	f.Add("spaces/users/u1/" + oid)
	f.Add("spaces/projects/proj-1/" + oid + ".r7")
	f.Fuzz(func(t *testing.T, key string) {
		if space, id, rev, ok := ParseKey(key); ok {
			require.Equal(t, key, Key(space, id, rev))
			require.Positive(t, rev+1)
		}
	})
}

func TestUploadKeysAreNeverKeys(t *testing.T) {
	suffix := ids.NewSuffix()
	k := UploadKey("projects/proj-1", oid, suffix)
	require.Equal(t, "uploads/projects/proj-1/"+oid+"/"+suffix, k)
	space, id, ok := ParseUploadKey(k)
	require.True(t, ok)
	require.Equal(t, ids.SpaceID("projects/proj-1"), space)
	require.Equal(t, ids.ObjectID(oid), id)
	_, _, _, isKey := ParseKey(k)
	require.False(t, isKey)
	for _, bad := range []string{
		"", "uploads/", "uploads/users/u1/" + oid, "uploads/users/u1/" + oid + "/",
		"uploads/users/u1/" + oid + "/" + suffix + "x", "uploads/users/u1/" + oid + "/" + strings.ToUpper(suffix),
		"uploads/groups/g1/" + oid + "/" + suffix, "uploads/users/u1/x/" + suffix, "spaces/users/u1/" + oid,
		"uploads/users/u1/" + oid + "/" + suffix + "/" + suffix,
	} {
		_, _, ok := ParseUploadKey(bad)
		require.False(t, ok, bad)
	}
}

func FuzzParseUploadKey(f *testing.F) {
	f.Add("uploads/users/u1/" + oid + "/" + ids.NewSuffix())
	f.Add("spaces/users/u1/" + oid)
	f.Fuzz(func(t *testing.T, key string) {
		space, id, ok := ParseUploadKey(key)
		if !ok {
			return
		}
		require.Equal(t, key, UploadKey(space, id, key[len(key)-26:]))
		_, _, _, isKey := ParseKey(key)
		require.False(t, isKey)
	})
}
