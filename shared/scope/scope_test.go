package scope

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
)

func TestParseScopes(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantMsg string
	}{
		{"sorted and deduplicated", []string{"objects:read", "jobs:write", "jobs:write"}, []string{"jobs:write", "objects:read"}, ""},
		{"all", []string{"all"}, []string{"all"}, ""},
		{"project space", []string{"objects:read@projects/proj1"}, []string{"objects:read@projects/proj1"}, ""},
		{"user space", []string{"jobs:read@users/u1"}, []string{"jobs:read@users/u1"}, ""},
		{"empty", nil, nil, "scopes are required"},
		{"all combined", []string{"all", "jobs:read"}, nil, "cannot be combined"},
		{"unknown", []string{"jobs:delete"}, nil, `unknown scope "jobs:delete"`},
		{"dot form", []string{"jobs.read"}, nil, "unknown scope"},
		{"bad space kind", []string{"jobs:read@teams/x"}, nil, "bad space"},
		{"empty space", []string{"jobs:read@"}, nil, "bad space"},
		{"bad project", []string{"jobs:read@projects/P!"}, nil, "bad space"},
		{"empty scope", []string{""}, nil, "unknown scope"},
		{"tokens:manage", []string{"tokens:manage", "jobs:read"}, []string{"jobs:read", "tokens:manage"}, ""},
		{"tokens:manage in a space", []string{"tokens:manage@users/u1"}, nil, "cannot be restricted to a space"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseList(tc.in)
			if tc.wantMsg != "" {
				require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
				require.Contains(t, err.Error(), tc.wantMsg)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	many := make([]string, MaxScopes+1)
	for i := range many {
		many[i] = JobsRead
	}
	_, err := ParseList(many)
	require.ErrorContains(t, err, "too many scopes")
}

func TestAllows(t *testing.T) {
	p1 := "projects/proj1"
	tests := []struct {
		name   string
		scopes []string
		need   string
		space  string
		want   bool
	}{
		{"all allows anything", identity.AllScopes, ObjectsWrite, p1, true},
		{"all allows unscoped", identity.AllScopes, JobsRead, "", true},
		{"exact", []string{JobsRead}, JobsRead, p1, true},
		{"unrestricted scope, no space", []string{JobsRead}, JobsRead, "", true},
		{"write implies read", []string{JobsWrite}, JobsRead, p1, true},
		{"read does not imply write", []string{JobsRead}, JobsWrite, p1, false},
		{"other resource", []string{JobsWrite}, ObjectsRead, p1, false},
		{"restricted, same space", []string{"objects:read@projects/proj1"}, ObjectsRead, p1, true},
		{"restricted, other space", []string{"objects:read@projects/proj1"}, ObjectsRead, "projects/proj2", false},
		{"restricted, user space of same id", []string{"objects:read@projects/proj1"}, ObjectsRead, "users/proj1", false},
		{"restricted, no space", []string{"objects:read@projects/proj1"}, ObjectsRead, "", false},
		{"restricted write implies read in its space", []string{"objects:write@users/u1"}, ObjectsRead, "users/u1", true},
		{"restricted read, write needed", []string{"objects:read@projects/proj1"}, ObjectsWrite, p1, false},
		{"unknown need", []string{JobsWrite}, "jobs:delete", p1, false},
		{"all as need is not a need", []string{JobsWrite}, "all", p1, false},
		{"malformed scope allows nothing", []string{"jobs:read@nowhere"}, JobsRead, "", false},
		{"no scopes", nil, JobsRead, p1, false},
		{"one of several", []string{ObjectsRead, "jobs:write@projects/proj1"}, JobsWrite, p1, true},
		{"all manages tokens", identity.AllScopes, TokensManage, "", true},
		{"tokens:manage manages tokens", []string{TokensManage}, TokensManage, "", true},
		{"a write scope does not manage tokens", []string{JobsWrite, ObjectsWrite}, TokensManage, "", false},
		{"tokens:manage reads nothing else", []string{TokensManage}, JobsRead, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Allows(tc.scopes, tc.need, tc.space))
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		name       string
		have, want []string
		ok         bool
	}{
		{"all covers all", identity.AllScopes, identity.AllScopes, true},
		{"all covers narrower", identity.AllScopes, []string{JobsWrite}, true},
		{"narrower does not cover all", []string{JobsWrite}, identity.AllScopes, false},
		{"write covers read", []string{JobsWrite}, []string{JobsRead}, true},
		{"read does not cover write", []string{JobsRead}, []string{JobsWrite}, false},
		{"unrestricted covers restricted", []string{ObjectsRead}, []string{"objects:read@projects/proj1"}, true},
		{"restricted does not cover unrestricted", []string{"objects:read@projects/proj1"}, []string{ObjectsRead}, false},
		{"restricted covers same", []string{"objects:write@projects/proj1"}, []string{"objects:read@projects/proj1"}, true},
		{"restricted does not cover other space", []string{"objects:read@projects/proj1"}, []string{"objects:read@projects/proj2"}, false},
		{"every wanted scope must be covered", []string{JobsRead}, []string{JobsRead, ObjectsRead}, false},
		{"a narrowed token cannot mint tokens:manage", []string{JobsWrite, ObjectsWrite}, []string{TokensManage}, false},
		{"tokens:manage mints tokens:manage", []string{TokensManage}, []string{TokensManage}, true},
		{"all mints tokens:manage", identity.AllScopes, []string{TokensManage}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.ok, Covers(tc.have, tc.want))
		})
	}
}
