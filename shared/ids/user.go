package ids

import (
	"strings"

	"valet.dev/valet/shared/apperr"
)

// maxUserIDLen bounds a user id.
const maxUserIDLen = 128

// UserID identifies a user. identity.UserID derives it from the issuer and
// subject of the user's ID token ("u" and 26 base32 characters today);
// ParseUserID accepts any id that is safe in paths and document ids (1 to 128
// characters of [a-z0-9_-], starting with a letter or digit), so that a
// change of derivation never invalidates stored ids.
type UserID string

// ParseUserID checks s is a user id.
func ParseUserID(s string) (UserID, error) {
	if err := checkSafeID("user id", s, maxUserIDLen); err != nil {
		return "", err
	}
	return UserID(s), nil
}

func (id UserID) String() string { return string(id) }

// MarshalText returns the id; an empty id marshals to "".
func (id UserID) MarshalText() ([]byte, error) { return []byte(id), nil }

// UnmarshalText parses text with ParseUserID; "" is the zero UserID.
func (id *UserID) UnmarshalText(text []byte) error {
	return unmarshal(id, text, ParseUserID)
}

// checkSafeID checks s is 1 to max characters of [a-z0-9_-] starting with a
// letter or digit.
func checkSafeID(kind, s string, max int) error {
	switch {
	case s == "":
		return apperr.E(apperr.Invalid, "%s is empty", kind)
	case len(s) > max:
		return apperr.E(apperr.Invalid, "%s %s is too long: at most %d characters", kind, quote(s), max)
	case !isLowerAlnum(s[0]):
		return apperr.E(apperr.Invalid, "%s %s must start with a lowercase letter or digit", kind, quote(s))
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r > 0x7f || !isLowerAlnum(byte(r)) && r != '_' && r != '-' }); i >= 0 {
		return apperr.E(apperr.Invalid, "%s %s may hold only a-z, 0-9, '_' and '-'", kind, quote(s))
	}
	return nil
}

func isLowerAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('0' <= c && c <= '9')
}
