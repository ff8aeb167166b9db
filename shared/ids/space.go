package ids

import (
	"strings"

	"valet.dev/valet/shared/apperr"
)

// SpaceKind says whose space a SpaceID names.
type SpaceKind string

// The kinds of space, as they appear before the '/' of a SpaceID.
const (
	UserSpaceKind    SpaceKind = "users"
	ProjectSpaceKind SpaceKind = "projects"
)

// SpaceID names a space objects live in: "users/<user id>" (a user's
// personal space) or "projects/<project id>".
type SpaceID string

// UserSpace returns the personal space of u.
func UserSpace(u UserID) SpaceID { return SpaceID(string(UserSpaceKind) + "/" + string(u)) }

// ProjectSpace returns the space of project p.
func ProjectSpace(p ProjectID) SpaceID { return SpaceID(string(ProjectSpaceKind) + "/" + string(p)) }

// ParseSpaceID checks s is "users/<user id>" or "projects/<project id>".
func ParseSpaceID(s string) (SpaceID, error) {
	kind, id, ok := strings.Cut(s, "/")
	if !ok {
		return "", apperr.E(apperr.Invalid, `space id %s is malformed: want "users/<user id>" or "projects/<project id>"`, quote(s))
	}
	switch SpaceKind(kind) {
	case UserSpaceKind:
		if _, err := ParseUserID(id); err != nil {
			return "", err
		}
	case ProjectSpaceKind:
		if _, err := ParseProjectID(id); err != nil {
			return "", err
		}
	default:
		return "", apperr.E(apperr.Invalid, `space id %s is malformed: it must start with "users/" or "projects/"`, quote(s))
	}
	return SpaceID(s), nil
}

// Kind returns whose space this is; "" for the zero SpaceID.
func (id SpaceID) Kind() SpaceKind {
	kind, _, _ := strings.Cut(string(id), "/")
	return SpaceKind(kind)
}

// ID returns the user or project id after the '/'.
func (id SpaceID) ID() string {
	_, inner, _ := strings.Cut(string(id), "/")
	return inner
}

// User returns the owner of a personal space; false for project spaces.
func (id SpaceID) User() (UserID, bool) {
	if id.Kind() != UserSpaceKind {
		return "", false
	}
	return UserID(id.ID()), true
}

// Project returns the project of a project space; false for personal spaces.
func (id SpaceID) Project() (ProjectID, bool) {
	if id.Kind() != ProjectSpaceKind {
		return "", false
	}
	return ProjectID(id.ID()), true
}

func (id SpaceID) String() string { return string(id) }

// MarshalText returns the id; an empty id marshals to "".
func (id SpaceID) MarshalText() ([]byte, error) { return []byte(id), nil }

// UnmarshalText parses text with ParseSpaceID; "" is the zero SpaceID.
func (id *SpaceID) UnmarshalText(text []byte) error {
	return unmarshal(id, text, ParseSpaceID)
}
