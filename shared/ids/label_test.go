package ids_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
)

// bidiControls are the characters of Unicode's bidirectional algorithm
// (UAX #9) that change how the text around them is displayed.
var bidiControls = []rune{0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069}

func TestCheckLabel(t *testing.T) {
	for _, ok := range []string{"ci", "Équipe données", "日本語のプロジェクト", "a b", strings.Repeat("é", 10), "עברית", "العربية"} {
		require.NoError(t, ids.CheckLabel("displayName", ok, 20), ok)
	}
	for label, want := range map[string]string{
		"":                      "displayName is required",
		"   ":                   "displayName is required",
		strings.Repeat("x", 21): "displayName is longer than 20 characters",
		"a\xffb":                "displayName is not valid UTF-8",
		"a\x00b":                "holds control character U+0000",
		"a\u0085b":              "holds control character U+0085",
		"a\u2028b":              "holds line separator U+2028",
		"a\u2029b":              "holds line separator U+2029",
		"ab\u202ecod.exe":       "holds bidirectional control U+202E at byte 2",
		"x\u061c":               "holds bidirectional control U+061C",
	} {
		err := ids.CheckLabel("displayName", label, 20)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%q", label)
		require.Contains(t, err.Error(), want, "%q", label)
		require.Contains(t, err.Error(), "displayName", "the message names the field")
	}
	for _, r := range bidiControls {
		err := ids.CheckLabel("name", "ci"+string(r), 100)
		require.ErrorContains(t, err, fmt.Sprintf("name \"ci\\u%04x\" holds bidirectional control %U", r, r))
		_, err = ids.ParseObjectName("a" + string(r))
		require.Error(t, err, "object names refuse %U too", r)
	}
}
