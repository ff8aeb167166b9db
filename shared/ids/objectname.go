package ids

import (
	"unicode/utf8"

	"valet.dev/valet/shared/apperr"
)

// MaxObjectNameLen is the longest object name in bytes, as in GCS.
const MaxObjectNameLen = 1024

// ObjectName is the name a user gives an object, shown back to users; it may
// hold '/' to suggest folders. Objects are stored under their ObjectID, so a
// name never becomes a storage path.
type ObjectName string

// ParseObjectName checks s is an acceptable object name: 1 to 1024 bytes of
// valid UTF-8, not "." or "..", with no control characters (U+0000-U+001F,
// U+007F-U+009F), no bidirectional marks, embeddings, overrides or
// isolates (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069), which
// can make a name display as another, and no line or paragraph separator
// (U+2028, U+2029), which can split a name across lines of a log or a
// listing.
func ParseObjectName(s string) (ObjectName, error) {
	switch {
	case s == "":
		return "", apperr.E(apperr.Invalid, "object name is empty")
	case len(s) > MaxObjectNameLen:
		return "", apperr.E(apperr.Invalid, "object name is %d bytes long: at most %d", len(s), MaxObjectNameLen)
	case !utf8.ValidString(s):
		return "", apperr.E(apperr.Invalid, "object name %s is not valid UTF-8", quote(s))
	case s == "." || s == "..":
		return "", apperr.E(apperr.Invalid, `object name must not be "." or ".."`)
	}
	if err := checkNameRunes("object name", s); err != nil {
		return "", err
	}
	return ObjectName(s), nil
}

// NamePrefix is the start of object names a list asks for; "" lists
// every name.
type NamePrefix string

// ParseNamePrefix checks s can start an object name: at most
// MaxObjectNameLen bytes of valid UTF-8 holding none of the characters a
// name refuses (so that, like a name, it is safe to store, log and send to
// Firestore). "" is the empty prefix.
func ParseNamePrefix(s string) (NamePrefix, error) {
	switch {
	case len(s) > MaxObjectNameLen:
		return "", apperr.E(apperr.Invalid, "prefix is %d bytes long: at most %d, as an object name", len(s), MaxObjectNameLen)
	case !utf8.ValidString(s):
		return "", apperr.E(apperr.Invalid, "prefix %s is not valid UTF-8", quote(s))
	}
	if err := checkNameRunes("prefix", s); err != nil {
		return "", err
	}
	return NamePrefix(s), nil
}

// checkNameRunes refuses the characters no object name may hold; what
// names the value in the message ("object name", "prefix").
func checkNameRunes(what, s string) error {
	for i, r := range s {
		if r < 0x20 || (0x7f <= r && r <= 0x9f) {
			return apperr.E(apperr.Invalid, "%s %s holds control character %U at byte %d", what, quote(s), r, i)
		}
		if isBidiControl(r) {
			return apperr.E(apperr.Invalid, "%s %s holds bidirectional control %U at byte %d", what, quote(s), r, i)
		}
		if r == 0x2028 || r == 0x2029 {
			return apperr.E(apperr.Invalid, "%s %s holds line separator %U at byte %d", what, quote(s), r, i)
		}
	}
	return nil
}

// isBidiControl reports whether r is one of the explicit bidirectional
// formatting characters of Unicode (UAX #9, "Explicit Directional
// Formatting Characters" and the implicit marks): ALM, LRM and RLM, the
// embeddings and overrides, and the isolates.
func isBidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (0x202a <= r && r <= 0x202e) || (0x2066 <= r && r <= 0x2069)
}

func (n ObjectName) String() string { return string(n) }

// MarshalText returns the name; an empty name marshals to "".
func (n ObjectName) MarshalText() ([]byte, error) { return []byte(n), nil }

// UnmarshalText parses text with ParseObjectName; "" is the zero ObjectName.
func (n *ObjectName) UnmarshalText(text []byte) error {
	return unmarshal(n, text, ParseObjectName)
}
