package ids

import (
	"strings"
	"unicode/utf8"

	"valet.dev/valet/shared/apperr"
)

// CheckLabel is the one check of the free text people give things to tell
// them apart (a project's displayName, an API token's name): field names
// the value in the message. A label is 1 to maxRunes characters of valid
// UTF-8, not only white space, and holds none of the characters an object
// name refuses (see ParseObjectName): control characters, bidirectional
// formatting characters (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069), which can make one label display as another in a
// listing, the console or a terminal, and line or paragraph separators.
// Every refusal is Invalid (400).
func CheckLabel(field, s string, maxRunes int) error {
	switch {
	case !utf8.ValidString(s):
		return apperr.E(apperr.Invalid, "%s is not valid UTF-8", field)
	case strings.TrimSpace(s) == "":
		return apperr.E(apperr.Invalid, "%s is required: 1 to %d characters", field, maxRunes)
	case utf8.RuneCountInString(s) > maxRunes:
		return apperr.E(apperr.Invalid, "%s is longer than %d characters", field, maxRunes)
	}
	return checkNameRunes(field, s)
}
