// Package scope is the vocabulary of valet API token scopes and the pure
// rules that read them: jobs:read, jobs:write, objects:read, objects:write,
// each optionally restricted to one space ("objects:read@projects/p1");
// tokens:manage, which lets a token list and revoke all its owner's tokens
// and is never restricted to a space; or "all" alone for credentials that do
// not narrow their owner's rights (it includes tokens:manage). Write implies
// read. Scopes only ever narrow what the owner may do.
package scope

import (
	"slices"
	"strings"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
)

// The scopes a token may carry, before an optional "@<space>".
const (
	JobsRead     = "jobs:read"
	JobsWrite    = "jobs:write"
	ObjectsRead  = "objects:read"
	ObjectsWrite = "objects:write"
	// TokensManage lets an API token list and revoke every API token of its
	// owner; without it a narrowed token sees only itself. It cannot be
	// restricted to a space: tokens belong to a person, not to a space.
	TokensManage = "tokens:manage"
	// All is the scope of a credential that does not narrow its owner's
	// rights; it stands alone (identity.AllScopes).
	All = "all"
)

// MaxScopes bounds the number of scopes of one token.
const MaxScopes = 32

// maxScopeLen bounds one scope's length before it is parsed further.
const maxScopeLen = 200

var knownScopes = []string{JobsRead, JobsWrite, ObjectsRead, ObjectsWrite, TokensManage}

// Scope is a parsed scope: resource ("jobs", "objects", "tokens"), action
// ("read", "write", "manage") and the space it is restricted to ("" for any).
type Scope struct {
	Resource string
	Action   string
	Space    ids.SpaceID
}

// String returns the scope's canonical text.
func (s Scope) String() string {
	out := s.Resource + ":" + s.Action
	if s.Space != "" {
		out += "@" + string(s.Space)
	}
	return out
}

// Parse parses one scope other than "all"; errors are apperr.Invalid
// naming the scope.
func Parse(s string) (Scope, error) {
	if len(s) > maxScopeLen {
		return Scope{}, apperr.E(apperr.Invalid, "scope is longer than %d bytes", maxScopeLen)
	}
	base, space, restricted := strings.Cut(s, "@")
	if !slices.Contains(knownScopes, base) {
		return Scope{}, apperr.E(apperr.Invalid, "unknown scope %q: want one of %s, optionally followed by @users/<uid> or @projects/<pid>", s, strings.Join(knownScopes, ", "))
	}
	resource, action, _ := strings.Cut(base, ":")
	sc := Scope{Resource: resource, Action: action}
	if restricted && base == TokensManage {
		return Scope{}, apperr.E(apperr.Invalid, "scope %q: %s cannot be restricted to a space", s, TokensManage)
	}
	if restricted {
		sp, err := ids.ParseSpaceID(space)
		if err != nil {
			return Scope{}, apperr.E(apperr.Invalid, "scope %q names a bad space: %s", s, apperr.From(err).Message)
		}
		sc.Space = sp
	}
	return sc, nil
}

// ParseList validates a token's scopes and returns them deduplicated and
// sorted. At least one is required; "all" must stand alone.
func ParseList(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return nil, apperr.E(apperr.Invalid, `scopes are required: give at least one, or ["all"]`)
	}
	if len(scopes) > MaxScopes {
		return nil, apperr.E(apperr.Invalid, "too many scopes: at most %d", MaxScopes)
	}
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s == All {
			if len(scopes) != 1 {
				return nil, apperr.E(apperr.Invalid, `scope "all" cannot be combined with other scopes`)
			}
			return []string{All}, nil
		}
		sc, err := Parse(s)
		if err != nil {
			return nil, err
		}
		out = append(out, sc.String())
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Allows reports whether a credential with scopes may do need ("jobs:read",
// "objects:write", "tokens:manage", ...) in space ("users/<uid>", "projects/<pid>", or ""
// when the action is not confined to one space, such as listing across
// spaces). "all" allows everything; a write scope allows the read of the
// same resource; a scope restricted to a space allows only in that space,
// never when space is "". Malformed scopes allow nothing.
func Allows(scopes []string, need string, space string) bool {
	if !slices.Contains(knownScopes, need) {
		return false
	}
	resource, action, _ := strings.Cut(need, ":")
	for _, s := range scopes {
		if s == All {
			return true
		}
		sc, err := Parse(s)
		if err != nil || sc.Resource != resource {
			continue
		}
		if sc.Action != action && !(sc.Action == "write" && action == "read") {
			continue
		}
		if sc.Space == "" || (space != "" && string(sc.Space) == space) {
			return true
		}
	}
	return false
}

// Covers reports whether a credential with scopes have may mint a token
// with scopes want: every wanted scope must be allowed by have, so a token
// can only narrow the rights of the credential that creates it.
func Covers(have, want []string) bool {
	if slices.Equal(have, identity.AllScopes) || slices.Contains(have, All) {
		return true
	}
	for _, w := range want {
		if w == All {
			return false
		}
		sc, err := Parse(w)
		if err != nil || !Allows(have, sc.Resource+":"+sc.Action, string(sc.Space)) {
			return false
		}
	}
	return true
}
