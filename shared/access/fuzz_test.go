package access

import (
	"testing"

	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/project"
)

// FuzzCan: any input gets a verdict without a panic; a Service principal,
// a principal without id and an unknown action are never granted anything;
// and "all" grants at least what any narrower scope does.
func FuzzCan(f *testing.F) {
	for _, a := range Actions {
		f.Add("user", "alice", "jobs:write", string(a), string(actsOn[a]), "projects/proj1", "editor")
		f.Add("job", "alice", "objects:read@users/alice", string(a), string(actsOn[a]), "users/alice", "")
	}
	f.Add("service", "svc", "all", "jobs.read", "job", "users/svc", "owner")
	f.Add("user", "", "all", "objects.read", "object", "users/", "viewer")
	f.Add("user", "a", "all", "x", "", "users/a/../b", "admin")
	f.Fuzz(func(t *testing.T, kind, id, sc, action, resKind, space, role string) {
		r := Resource{Kind: ResourceKind(resKind), Space: ids.SpaceID(space)}
		narrow := identity.Principal{Kind: identity.Kind(kind), ID: id, Scopes: []string{sc}}
		got := Can(narrow, Action(action), r, project.Role(role))
		wide := narrow
		wide.Scopes = identity.AllScopes
		gotWide := Can(wide, Action(action), r, project.Role(role))
		if got && !gotWide {
			t.Fatalf("scope %q grants %s on %+v but all does not", sc, action, r)
		}
		if gotWide && (kind == string(identity.Service) || kind != string(identity.User) && kind != string(identity.Job)) {
			t.Fatalf("a %q principal was granted %s on %+v", kind, action, r)
		}
		if gotWide && id == "" {
			t.Fatalf("a principal without id was granted %s on %+v", action, r)
		}
		if _, known := actsOn[Action(action)]; gotWide && !known {
			t.Fatalf("unknown action %q was granted", action)
		}
		service := identity.Principal{Kind: identity.Service, ID: id, Scopes: identity.AllScopes}
		if Can(service, Action(action), r, project.Role(role)) {
			t.Fatalf("a service principal was granted %s on %+v", action, r)
		}
	})
}
