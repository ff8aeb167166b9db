package ids

import "valet.dev/valet/shared/apperr"

// The bounds of a project id's length.
const (
	MinProjectIDLen = 3
	MaxProjectIDLen = 63
)

// ProjectID identifies a project; users choose it: 3 to 63 characters of
// [a-z0-9-], starting with a letter and not ending with '-'.
type ProjectID string

// ParseProjectID checks s is a project id, saying which rule it breaks.
func ParseProjectID(s string) (ProjectID, error) {
	switch {
	case len(s) < MinProjectIDLen || len(s) > MaxProjectIDLen:
		return "", apperr.E(apperr.Invalid, "project id %s must be %d to %d characters long", quote(s), MinProjectIDLen, MaxProjectIDLen)
	case s[0] < 'a' || s[0] > 'z':
		return "", apperr.E(apperr.Invalid, "project id %s must start with a lowercase letter", quote(s))
	case s[len(s)-1] == '-':
		return "", apperr.E(apperr.Invalid, "project id %s must not end with '-'", quote(s))
	}
	for i := 0; i < len(s); i++ {
		if !isLowerAlnum(s[i]) && s[i] != '-' {
			return "", apperr.E(apperr.Invalid, "project id %s may hold only a-z, 0-9 and '-'", quote(s))
		}
	}
	return ProjectID(s), nil
}

func (id ProjectID) String() string { return string(id) }

// MarshalText returns the id; an empty id marshals to "".
func (id ProjectID) MarshalText() ([]byte, error) { return []byte(id), nil }

// UnmarshalText parses text with ParseProjectID; "" is the zero ProjectID.
func (id *ProjectID) UnmarshalText(text []byte) error {
	return unmarshal(id, text, ParseProjectID)
}

// NewProjectID returns a fresh project id for a project created without
// one: "p-" and 13 random characters of [a-z2-7].
func NewProjectID() ProjectID {
	return ProjectID("p-" + newGenerated("")[:13])
}
