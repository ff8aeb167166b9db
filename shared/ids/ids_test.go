package ids_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/ids"
)

// safeSegment is what Firestore document ids and GCS path segments accept
// without escaping, as valet uses them.
var safeSegment = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func TestGeneratedIDs(t *testing.T) {
	cases := []struct {
		name   string
		new    func() string
		parse  func(string) error
		prefix string
	}{
		{"job", func() string { return ids.NewJobID().String() }, func(s string) error { _, err := ids.ParseJobID(s); return err }, "j_"},
		{"object", func() string { return ids.NewObjectID().String() }, func(s string) error { _, err := ids.ParseObjectID(s); return err }, "o_"},
		{"token", func() string { return ids.NewTokenID().String() }, func(s string) error { _, err := ids.ParseTokenID(s); return err }, "t_"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 1000 {
				id := c.new()
				require.Regexp(t, `^`+c.prefix+`[a-z2-7]{26}$`, id)
				require.Regexp(t, safeSegment, id)
				require.NoError(t, c.parse(id))
				require.False(t, seen[id], "duplicate id %s", id)
				seen[id] = true
			}
		})
	}
}

func TestParseJobIDRejects(t *testing.T) {
	good := ids.NewJobID().String()
	for _, s := range []string{
		"",
		"j_",
		good[:len(good)-1],
		good + "a",
		strings.ToUpper(good),
		"o_" + good[2:],
		"j-" + good[2:],
		"j_" + strings.Repeat("1", 26), // 1 is not in the base32 alphabet
		"j_" + strings.Repeat("a", 25) + "/",
		"../" + good,
	} {
		_, err := ids.ParseJobID(s)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%q", s)
	}
}

func TestParseProjectID(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		want string // a word of the message for failures
	}{
		{"abc", true, ""},
		{"my-project-2", true, ""},
		{"a" + strings.Repeat("b", 62), true, ""},
		{"ab", false, "3 to 63"},
		{"a" + strings.Repeat("b", 63), false, "3 to 63"},
		{"1abc", false, "start with a lowercase letter"},
		{"-abc", false, "start with a lowercase letter"},
		{"abc-", false, "end with '-'"},
		{"Abc", false, "start with a lowercase letter"},
		{"abC", false, "only a-z"},
		{"ab_c", false, "only a-z"},
		{"ab.c", false, "only a-z"},
		{"ab/c", false, "only a-z"},
		{"abé", false, "only a-z"},
	}
	for _, c := range cases {
		got, err := ids.ParseProjectID(c.in)
		if c.ok {
			require.NoError(t, err, c.in)
			require.Equal(t, ids.ProjectID(c.in), got)
			continue
		}
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), c.in)
		require.Contains(t, err.(*apperr.Error).Message, c.want, c.in)
	}
}

// aliceID has the shape identity.UserID derives.
const aliceID = "uabcdefghijklmnopqrstuvwxyz"

func TestParseUserID(t *testing.T) {
	for _, s := range []string{aliceID, "u_legacy-id", "0abc", strings.Repeat("a", 128)} {
		got, err := ids.ParseUserID(s)
		require.NoError(t, err, s)
		require.Equal(t, ids.UserID(s), got)
	}
	for _, s := range []string{"", "_x", "-x", "U1", "a/b", ".", "..", "a.b", "é", "__x__", strings.Repeat("a", 129)} {
		_, err := ids.ParseUserID(s)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%q", s)
	}
}

func TestSpaceID(t *testing.T) {
	u := ids.UserID(aliceID)
	cases := []struct {
		in      string
		kind    ids.SpaceKind
		inner   string
		invalid bool
	}{
		{in: "users/" + u.String(), kind: ids.UserSpaceKind, inner: u.String()},
		{in: "projects/my-proj", kind: ids.ProjectSpaceKind, inner: "my-proj"},
		{in: "users/", invalid: true},
		{in: "projects/ab", invalid: true},
		{in: "groups/abc", invalid: true},
		{in: "users", invalid: true},
		{in: "users/" + u.String() + "/x", invalid: true},
		{in: "projects/my-proj/", invalid: true},
		{in: "", invalid: true},
	}
	for _, c := range cases {
		got, err := ids.ParseSpaceID(c.in)
		if c.invalid {
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err), c.in)
			continue
		}
		require.NoError(t, err, c.in)
		require.Equal(t, c.kind, got.Kind())
		require.Equal(t, c.inner, got.ID())
	}

	us := ids.UserSpace(u)
	owner, ok := us.User()
	require.True(t, ok)
	require.Equal(t, u, owner)
	_, ok = us.Project()
	require.False(t, ok)

	ps := ids.ProjectSpace("my-proj")
	p, ok := ps.Project()
	require.True(t, ok)
	require.Equal(t, ids.ProjectID("my-proj"), p)
	_, ok = ps.User()
	require.False(t, ok)
}

func TestParseObjectName(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"a", true},
		{"dir/file.tar.gz", true},
		{"日本語のファイル", true},
		{"with space and émoji 🚀", true},
		{"...", true},
		{"./x", true},
		{strings.Repeat("a", 1024), true},
		{"", false},
		{".", false},
		{"..", false},
		{strings.Repeat("a", 1025), false},
		{"bad\xffutf8", false},
		{"new\nline", false},
		{"tab\t", false},
		{"nul\x00", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{"c1\u009f", false},
		{"spoof\u202egpj.exe", false},
		{"isolate\u2066x", false},
	}
	for _, c := range cases {
		got, err := ids.ParseObjectName(c.in)
		if c.ok {
			require.NoError(t, err, "%q", c.in)
			require.Equal(t, ids.ObjectName(c.in), got)
		} else {
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%q", c.in)
		}
	}
}

// TestParseObjectNameRefusesFormattingCharacters: every explicit
// bidirectional formatting character (marks, embeddings, overrides,
// isolates) and both Unicode line separators are refused wherever they
// stand in a name, each with a message naming the character.
func TestParseObjectNameRefusesFormattingCharacters(t *testing.T) {
	var refused []rune
	refused = append(refused, 0x200e, 0x200f, 0x2028, 0x2029)
	for r := rune(0x202a); r <= 0x202e; r++ {
		refused = append(refused, r)
	}
	for r := rune(0x2066); r <= 0x2069; r++ {
		refused = append(refused, r)
	}
	for _, r := range refused {
		for _, name := range []string{string(r) + "a", "a" + string(r), "dir/" + string(r) + "/f"} {
			_, err := ids.ParseObjectName(name)
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%U in %q", r, name)
			require.Contains(t, err.(*apperr.Error).Message, fmt.Sprintf("%U", r))
		}
	}
	// Their neighbours are ordinary text.
	for _, r := range []rune{0x200d, 0x2010, 0x2027, 0x202f, 0x2065, 0x206a} {
		_, err := ids.ParseObjectName("a" + string(r) + "b")
		require.NoError(t, err, "%U", r)
	}
}

func TestErrorMessagesAreBounded(t *testing.T) {
	_, err := ids.ParseJobID(strings.Repeat("x", 10000))
	require.Error(t, err)
	require.Less(t, len(err.(*apperr.Error).Message), 200)
}

func TestJSON(t *testing.T) {
	type body struct {
		Job     ids.JobID      `json:"job"`
		Space   ids.SpaceID    `json:"space"`
		Project ids.ProjectID  `json:"project,omitempty"`
		Name    ids.ObjectName `json:"name"`
	}
	job := ids.NewJobID()
	in := body{Job: job, Space: ids.ProjectSpace("proj-1"), Name: "a/b.txt"}
	raw, err := json.Marshal(in)
	require.NoError(t, err)
	var out body
	require.NoError(t, json.Unmarshal(raw, &out))
	require.Equal(t, in, out)

	var empty body
	require.NoError(t, json.Unmarshal([]byte(`{"job":"","project":""}`), &empty))
	require.Equal(t, body{}, empty)

	err = json.Unmarshal([]byte(`{"job":"nope"}`), &out)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	err = json.Unmarshal([]byte(`{"space":"users/../x"}`), &out)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

func TestNewProjectIDParses(t *testing.T) {
	for range 100 {
		id := ids.NewProjectID()
		_, err := ids.ParseProjectID(string(id))
		require.NoError(t, err, id)
		require.Len(t, string(id), 15)
	}
}
