package ids_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
)

// invalidMessage asserts err is an Invalid refusal whose message is valid
// UTF-8, and returns the message.
func invalidMessage(t *testing.T, err error) string {
	t.Helper()
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	msg := err.(*apperr.Error).Message
	require.True(t, utf8.ValidString(msg), "messages are valid UTF-8")
	return msg
}

// requireDisplaySafe asserts s holds no character a listing could be fooled
// or split by: no control character (C0, DEL, C1), bidirectional control
// or line or paragraph separator.
func requireDisplaySafe(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		require.False(t, r < 0x20 || (0x7f <= r && r <= 0x9f), "control character %U", r)
		require.NotContains(t, bidiControls, r, "bidirectional control %U", r)
		require.False(t, r == 0x2028 || r == 0x2029, "line separator %U", r)
	}
}

// roundTrip checks that parse either fails with Invalid or returns a value
// whose text is the input and which parses to itself again.
func roundTrip[T ~string](t *testing.T, s string, parse func(string) (T, error)) (T, bool) {
	t.Helper()
	v, err := parse(s)
	if err != nil {
		invalidMessage(t, err)
		return "", false
	}
	require.Equal(t, s, string(v))
	again, err := parse(string(v))
	require.NoError(t, err)
	require.Equal(t, v, again)
	return v, true
}

func FuzzParseIDs(f *testing.F) {
	f.Add(ids.NewJobID().String())
	f.Add(ids.NewObjectID().String())
	f.Add(ids.NewTokenID().String())
	f.Add(aliceID)
	f.Add("my-project")
	f.Add("users/u_abc")
	f.Add("projects/my-project")
	f.Add("projects/../x")
	f.Fuzz(func(t *testing.T, s string) {
		safe := func(v string) {
			require.Regexp(t, safeSegment, v)
		}
		if v, ok := roundTrip(t, s, ids.ParseJobID); ok {
			safe(string(v))
		}
		if v, ok := roundTrip(t, s, ids.ParseObjectID); ok {
			safe(string(v))
		}
		if v, ok := roundTrip(t, s, ids.ParseTokenID); ok {
			safe(string(v))
		}
		if v, ok := roundTrip(t, s, ids.ParseUserID); ok {
			safe(string(v))
		}
		if v, ok := roundTrip(t, s, ids.ParseProjectID); ok {
			safe(string(v))
			require.NotContains(t, string(v), "_")
		}
		if v, ok := roundTrip(t, s, ids.ParseSpaceID); ok {
			require.Equal(t, 1, strings.Count(string(v), "/"))
			safe(v.ID())
			require.Contains(t, []ids.SpaceKind{ids.UserSpaceKind, ids.ProjectSpaceKind}, v.Kind())
		}
	})
}

func FuzzParseObjectName(f *testing.F) {
	f.Add("dir/file.txt")
	f.Add("..")
	f.Add("a\u0085b")
	f.Add("\xff")
	f.Add("a\u200fb")
	f.Add("a\u2028b")
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := roundTrip(t, s, ids.ParseObjectName)
		if !ok {
			return
		}
		require.True(t, utf8.ValidString(string(v)))
		require.NotEqual(t, ".", string(v))
		require.NotEqual(t, "..", string(v))
		require.LessOrEqual(t, len(v), ids.MaxObjectNameLen)
		requireDisplaySafe(t, string(v))
	})
}

// FuzzCheckLabel: a label that passes is valid UTF-8 within the bound and
// holds no character a listing could be fooled or split by; a refusal is
// Invalid with a valid UTF-8 message naming the field.
func FuzzCheckLabel(f *testing.F) {
	for _, seed := range []string{"ci", "", " ", "prod\u202e", "\u2066x\u2069", "x\u061c", "\u200e", "a\u2028b", "\xff", "é"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ids.CheckLabel("name", s, 100)
		if err != nil {
			msg := invalidMessage(t, err)
			require.True(t, strings.HasPrefix(msg, "name "), msg)
			return
		}
		require.True(t, utf8.ValidString(s))
		require.LessOrEqual(t, utf8.RuneCountInString(s), 100)
		require.NotEmpty(t, strings.TrimSpace(s))
		requireDisplaySafe(t, s)
	})
}
