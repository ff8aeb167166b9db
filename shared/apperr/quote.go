package apperr

import (
	"strconv"
	"unicode/utf8"
)

// MaxQuoted bounds how much of a caller's value an error message repeats.
const MaxQuoted = 64

// Quote returns s, a value the caller sent, quoted for an error message
// (Go syntax, so control characters and invalid UTF-8 show as escapes) and
// cut to MaxQuoted bytes at a rune boundary.
func Quote(s string) string {
	if len(s) <= MaxQuoted {
		return strconv.Quote(s)
	}
	cut := MaxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}
