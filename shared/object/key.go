package object

import (
	"strconv"
	"strings"

	"valet.dev/valet/shared/ids"
)

// Prefixes of the keys in the objects bucket: the bytes of objects under
// keyPrefix, uploads in flight under UploadPrefix. No key of one is ever a
// key of the other.
const (
	keyPrefix    = "spaces/"
	UploadPrefix = "uploads/"
)

// Key is where revision of object id of space lives in the objects bucket:
// "spaces/<space>/<id>" for revision 0, "spaces/<space>/<id>.r<n>" after n
// revokes. Object names never become keys. Only valet writes at these keys
// (server-side copies); download URLs name them, upload URLs never do.
func Key(space ids.SpaceID, id ids.ObjectID, revision int64) string {
	k := keyPrefix + string(space) + "/" + string(id)
	if revision > 0 {
		k += ".r" + strconv.FormatInt(revision, 10)
	}
	return k
}

// UploadKey is where the upload URL of object id of space puts its bytes:
// "uploads/<space>/<id>/<suffix>", suffix from ids.NewSuffix. It is never a
// Key, and no two upload URLs share one: bytes replayed through an old
// upload URL land at a key that no download URL names and that finalize
// deletes unless its object is still waiting for them.
func UploadKey(space ids.SpaceID, id ids.ObjectID, suffix string) string {
	return UploadPrefix + string(space) + "/" + string(id) + "/" + suffix
}

// ParseUploadKey is the inverse of UploadKey, as strict as ParseKey.
func ParseUploadKey(key string) (space ids.SpaceID, id ids.ObjectID, ok bool) {
	rest, found := strings.CutPrefix(key, UploadPrefix)
	if !found {
		return "", "", false
	}
	slash := strings.LastIndexByte(rest, '/')
	if slash < 0 || !ids.IsSuffix(rest[slash+1:]) {
		return "", "", false
	}
	rest = rest[:slash]
	slash = strings.LastIndexByte(rest, '/')
	if slash < 0 {
		return "", "", false
	}
	space, err := ids.ParseSpaceID(rest[:slash])
	if err != nil {
		return "", "", false
	}
	id, err = ids.ParseObjectID(rest[slash+1:])
	if err != nil {
		return "", "", false
	}
	return space, id, true
}

// ParseKey is the inverse of Key. It is strict: ok is false unless space is
// a valid space id, id a valid object id and key exactly what Key returns
// for them (no leading zeros, no ".r0").
func ParseKey(key string) (space ids.SpaceID, id ids.ObjectID, revision int64, ok bool) {
	rest, found := strings.CutPrefix(key, keyPrefix)
	if !found {
		return "", "", 0, false
	}
	slash := strings.LastIndexByte(rest, '/')
	if slash < 0 {
		return "", "", 0, false
	}
	rawSpace, last := rest[:slash], rest[slash+1:]
	rawID, rev, hasRev := strings.Cut(last, ".")
	if hasRev {
		digits, found := strings.CutPrefix(rev, "r")
		if !found || digits == "" || digits[0] < '1' || digits[0] > '9' {
			return "", "", 0, false
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return "", "", 0, false
		}
		revision = n
	}
	space, err := ids.ParseSpaceID(rawSpace)
	if err != nil {
		return "", "", 0, false
	}
	id, err = ids.ParseObjectID(rawID)
	if err != nil {
		return "", "", 0, false
	}
	if Key(space, id, revision) != key {
		return "", "", 0, false
	}
	return space, id, revision, true
}
