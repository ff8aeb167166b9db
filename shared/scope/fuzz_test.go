package scope

import (
	"strings"
	"testing"

	"valet.dev/valet/shared/apperr"
)

// FuzzParseList: any scope list is either refused as Invalid, or gives
// sorted canonical scopes that parse again to themselves and that the
// original list covers.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"jobs:read", "all", "objects:read@projects/proj1", "jobs:write@users/u1", "jobs:read@", "x@y@z", ""} {
		f.Add(s, "objects:write")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		in := []string{a, b}
		got, err := ParseList(in)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code %q: %v", apperr.CodeOf(err), err)
			}
			return
		}
		again, err := ParseList(got)
		if err != nil || strings.Join(again, ",") != strings.Join(got, ",") {
			t.Fatalf("not canonical: %q → %q (%v)", got, again, err)
		}
		if !Covers(got, got) {
			t.Fatalf("%q does not cover itself", got)
		}
		for _, s := range got {
			if s != All {
				sc, _ := Parse(s)
				_ = Allows(got, sc.Resource+":"+sc.Action, string(sc.Space))
			}
		}
	})
}
