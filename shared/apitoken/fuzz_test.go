package apitoken

import (
	"strings"
	"testing"

	"valet.dev/valet/shared/apperr"
)

// FuzzParseToken: any string is a prefix or an Unauthenticated error that
// does not repeat it.
func FuzzParseToken(f *testing.F) {
	tok, _ := generate()
	for _, s := range []string{"", "valet_", tok, tok[:20], tok + "x", "valet_aaaaaaaaaaaa_" + strings.Repeat("A", 43)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := ParseToken(raw)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Unauthenticated || p != "" {
				t.Fatalf("bad refusal %v %q", err, p)
			}
			if len(raw) >= 8 && strings.Contains(err.Error(), raw) {
				t.Fatalf("error repeats the token")
			}
			return
		}
		if len(p) != PrefixLen || raw[6:6+PrefixLen] != p {
			t.Fatalf("prefix %q of %q", p, raw)
		}
	})
}

// FuzzParseScopes: any scope list is either refused as Invalid, or gives
// sorted canonical scopes that parse again to themselves and that the
// original list covers.
func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{"jobs:read", "all", "objects:read@projects/proj1", "jobs:write@users/u1", "jobs:read@", "x@y@z", ""} {
		f.Add(s, "objects:write")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		in := []string{a, b}
		got, err := ParseScopes(in)
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				t.Fatalf("code %q: %v", apperr.CodeOf(err), err)
			}
			return
		}
		again, err := ParseScopes(got)
		if err != nil || strings.Join(again, ",") != strings.Join(got, ",") {
			t.Fatalf("not canonical: %q → %q (%v)", got, again, err)
		}
		if !Covers(got, got) {
			t.Fatalf("%q does not cover itself", got)
		}
		for _, s := range got {
			if s != All {
				sc, _ := ParseScope(s)
				_ = Allows(got, sc.Resource+":"+sc.Action, string(sc.Space))
			}
		}
	})
}
