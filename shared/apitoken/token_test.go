package apitoken

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/logging"
)

func TestGenerateAndParse(t *testing.T) {
	shape := regexp.MustCompile(`^valet_[A-Za-z0-9_-]{16,}$`)
	seen := map[string]bool{}
	for range 100 {
		tok, prefix := generate()
		require.Len(t, tok, TokenLen)
		require.True(t, strings.HasPrefix(tok, identity.APITokenPrefix))
		require.Regexp(t, shape, tok)
		got, err := ParseToken(tok)
		require.NoError(t, err)
		require.Equal(t, prefix, got)
		require.False(t, seen[tok])
		seen[tok] = true
		// The masker masks it by shape, registered or not.
		require.Equal(t, "x "+logging.Redacted+" y", logging.NewMasker().Mask("x "+tok+" y"))
	}
}

func TestParseTokenRefuses(t *testing.T) {
	tok, _ := generate()
	for name, raw := range map[string]string{
		"empty":         "",
		"no prefix":     "xalet_" + tok[6:],
		"short":         tok[:len(tok)-1],
		"long":          tok + "A",
		"bad separator": tok[:6+PrefixLen] + "-" + tok[7+PrefixLen:],
		"upper prefix":  "valet_" + strings.ToUpper(tok[6:6+PrefixLen]) + tok[6+PrefixLen:],
		"bad secret":    tok[:len(tok)-1] + "!",
		"non-canonical": tok[:len(tok)-1] + "B", // 43 chars encode 32 bytes with 2 spare bits
		"jwt":           "eyJhbGciOiJSUzI1NiJ9.e30.sig",
	} {
		t.Run(name, func(t *testing.T) {
			if name == "non-canonical" && strings.HasSuffix(tok, "B") {
				t.Skip("token already ends in B")
			}
			p, err := ParseToken(raw)
			require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
			require.Empty(t, p)
			if raw != "" {
				require.NotContains(t, err.Error(), raw)
			}
		})
	}
}
