package logging

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
)

// encodings returns the patterns Mask replaces for one secret, each at least
// MinSecretLen bytes long:
//   - the raw value;
//   - standard and URL-safe base64, padded and unpadded, of the value alone,
//     and the part of its encoding that is the same wherever the value sits
//     in a longer base64 stream: for the value at byte offset k (0, 1 or 2
//     modulo 3) the characters whose six bits all come from the value, that
//     is characters ceil(8k/6) to floor(8(k+n)/6) of the encoding of
//     k bytes followed by the value;
//   - lowercase and uppercase hex;
//   - URL query and path escaping (with uppercase and lowercase %XX);
//   - JSON string escaping (with and without HTML escaping) and Go quoting,
//     without the surrounding quotes.
func encodings(secret string) []string {
	seen := make(map[string]bool)
	var out []string
	add := func(p string) {
		if len(p) >= MinSecretLen && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	add(secret)
	raw := []byte(secret)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		add(enc.EncodeToString(raw))
		unpadded := enc.WithPadding(base64.NoPadding)
		add(unpadded.EncodeToString(raw))
		for k := range 3 {
			add(StableBase64(unpadded, raw, k))
		}
	}
	h := hex.EncodeToString(raw)
	add(h)
	add(strings.ToUpper(h))
	for _, esc := range []string{url.QueryEscape(secret), url.PathEscape(secret)} {
		add(esc)
		add(lowerPercentEscapes(esc))
	}
	for _, escapeHTML := range []bool{true, false} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(escapeHTML)
		if enc.Encode(secret) == nil {
			add(unquote(strings.TrimRight(buf.String(), "\n")))
		}
	}
	add(unquote(strconv.Quote(secret)))
	return out
}

// StableBase64 returns the characters of enc's encoding of value that do not
// depend on the bytes around it, when value starts at byte offset k (0, 1 or
// 2) of a longer stream. Exported for tests of code that must not leak a
// secret through base64.
func StableBase64(enc *base64.Encoding, value []byte, k int) string {
	buf := make([]byte, k+len(value))
	copy(buf[k:], value)
	e := enc.WithPadding(base64.NoPadding).EncodeToString(buf)
	start := (8*k + 5) / 6
	end := 8 * (k + len(value)) / 6
	if start >= end {
		return ""
	}
	return e[start:end]
}

func unquote(q string) string {
	if len(q) >= 2 {
		return q[1 : len(q)-1]
	}
	return q
}

// lowerPercentEscapes lowercases the hex digits of every %XX escape.
func lowerPercentEscapes(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = toLowerASCII(b[i+1])
			b[i+2] = toLowerASCII(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func toLowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
