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
