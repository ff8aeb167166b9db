package version

import "testing"

// A checkout builds as "dev": the committed version.txt is the placeholder
// that scripts/release.sh replaces in the archive.
func TestStringOfACheckout(t *testing.T) {
	if got := String(); got != "dev" {
		t.Fatalf("String() = %q, want dev (version.txt is replaced only in a release archive)", got)
	}
}

func TestStringTrimsAndDefaults(t *testing.T) {
	defer func(old string) { raw = old }(raw)
	raw = "v1.2.3-4-gabc\n"
	if got := String(); got != "v1.2.3-4-gabc" {
		t.Fatalf("String() = %q", got)
	}
	raw = " \n"
	if got := String(); got != "dev" {
		t.Fatalf("String() of an empty file = %q, want dev", got)
	}
}
