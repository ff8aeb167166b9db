package object

import (
	"strconv"
	"strings"

	"valet.dev/valet/shared/ids"
)

// keyPrefix starts every key in the objects bucket.
const keyPrefix = "spaces/"

// Key is where revision of object id of space lives in the objects bucket:
// "spaces/<space>/<id>" for revision 0, "spaces/<space>/<id>.r<n>" after n
// revokes. Object names never become keys.
func Key(space, id string, revision int64) string {
	k := keyPrefix + space + "/" + id
	if revision > 0 {
		k += ".r" + strconv.FormatInt(revision, 10)
	}
	return k
}

// ParseKey is the inverse of Key. It is strict: ok is false unless space is
// a valid space id, id a valid object id and key exactly what Key returns
// for them (no leading zeros, no ".r0").
func ParseKey(key string) (space, id string, revision int64, ok bool) {
	rest, found := strings.CutPrefix(key, keyPrefix)
	if !found {
		return "", "", 0, false
	}
	slash := strings.LastIndexByte(rest, '/')
	if slash < 0 {
		return "", "", 0, false
	}
	space, last := rest[:slash], rest[slash+1:]
	id, rev, hasRev := strings.Cut(last, ".")
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
	if _, err := ids.ParseSpaceID(space); err != nil {
		return "", "", 0, false
	}
	if _, err := ids.ParseObjectID(id); err != nil {
		return "", "", 0, false
	}
	if Key(space, id, revision) != key {
		return "", "", 0, false
	}
	return space, id, revision, true
}
