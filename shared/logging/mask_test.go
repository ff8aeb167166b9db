package logging_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/logging"
)

func TestMaskShapes(t *testing.T) {
	cases := []struct{ in, want string }{
		{"nothing to see here", "nothing to see here"},
		{"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln end", "token *** end"},
		{"unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0. end", "unsigned *** end"},
		{"eyJ alone is fine", "eyJ alone is fine"},
		{"Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer ***"},
		{`{"h":"bearer 0123456789abcdef"}`, `{"h":"bearer ***"}`},
		{"a bearer token is required", "a bearer token is required"},
		{"https://s/b/o?X-Goog-Date=1&X-Goog-Signature=0a1b2c3d&X-Goog-Expires=9", "https://s/b/o?X-Goog-Date=1&X-Goog-Signature=***&X-Goog-Expires=9"},
		{"u=https%3A%2F%2Fs%2Fo%3Fx-goog-signature%3D0a1b2c", "u=https%3A%2F%2Fs%2Fo%3Fx-goog-signature%3D***"},
		{"key valet_abcdefghijklmnop_-12 used", "key *** used"},
		{"valet_short stays", "valet_short stays"},
	}
	m := logging.NewMasker()
	for _, c := range cases {
		require.Equal(t, c.want, m.Mask(c.in), c.in)
	}
}

func TestRegisterIgnoresShortValues(t *testing.T) {
	m := logging.NewMasker()
	m.Register("1234567")
	m.Register("")
	require.Equal(t, "id 1234567", m.Mask("id 1234567"))
	m.Register("12345678")
	require.Equal(t, "id ***", m.Mask("id 12345678"))
}

func TestMaskStableBase64AtEveryOffset(t *testing.T) {
	const secret = "s3cr3t-value-for-offsets"
	m := logging.NewMasker()
	m.Register(secret)
	for prefix := range 7 {
		for suffix := range 4 {
			stream := strings.Repeat("x", prefix) + secret + strings.Repeat("y", suffix)
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				encoded := enc.EncodeToString([]byte(stream))
				masked := m.Mask(encoded)
				require.Contains(t, masked, logging.Redacted, "prefix %d suffix %d", prefix, suffix)
				require.NotContains(t, masked, logging.StableBase64(enc, []byte(secret), prefix%3))
			}
		}
	}
}

func TestMaskIsAFixedPoint(t *testing.T) {
	// The secret contains the mask: replacing its hex in the middle of its
	// own prefix and suffix rebuilds it, so Mask must scan its output again.
	const secret = "abcd***efgh"
	m := logging.NewMasker()
	m.Register(secret)
	in := "abcd" + fmt.Sprintf("%x", secret) + "efgh"
	require.NotContains(t, m.Mask(in), secret)
}

func TestMaskOverlappingSecrets(t *testing.T) {
	m := logging.NewMasker()
	m.Register("first-secret-value")
	m.Register("secret-value-second")
	require.Equal(t, "x *** y", m.Mask("x first-secret-value-second y"))
}

func TestMaskCommonCaseDoesNotAllocate(t *testing.T) {
	m := logging.NewMasker()
	for i := range 100 {
		m.Register(fmt.Sprintf("registered-secret-%03d", i))
	}
	line := strings.Repeat("an ordinary log line about job j_abc and object o_def ", 10)
	allocs := testing.AllocsPerRun(100, func() { _ = m.Mask(line) })
	require.Zero(t, allocs)
	require.Equal(t, line, m.Mask(line))
}

func TestMaskConcurrentRegister(t *testing.T) {
	m := logging.NewMasker()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				s := fmt.Sprintf("concurrent-secret-%d-%d", i, j)
				m.Register(s)
				require.Equal(t, "<***>", m.Mask("<"+s+">"))
			}
		}()
	}
	wg.Wait()
}

func BenchmarkMaskNoSecretPresent(b *testing.B) {
	m := logging.NewMasker()
	for i := range 1000 {
		m.Register(fmt.Sprintf("registered-secret-%04d", i))
	}
	line := strings.Repeat("an ordinary log line about job j_abc and object o_def ", 10)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		_ = m.Mask(line)
	}
}

func FuzzMask(f *testing.F) {
	f.Add("canary-SECRET-1234", "before ", " after")
	f.Add("abcd***efgh", "abcd", "efgh")
	f.Add("eyJhbGciOi.x.y", "Bearer ", "")
	f.Add("\x00\xff\xfe\x80invalid", "", "%")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		m := logging.NewMasker()
		m.Register(secret)
		for _, in := range []string{
			before + secret + after,
			before + base64.StdEncoding.EncodeToString([]byte(before+secret+after)) + after,
			before + fmt.Sprintf("%x%q", secret, secret) + after,
			before,
		} {
			out := m.Mask(in)
			if len(secret) >= logging.MinSecretLen {
				require.NotContains(t, out, secret)
			}
		}
	})
}
