package logging_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/logging"
)

// canaries are registered secrets; the second one has characters that every
// escaping changes.
var canaries = []string{
	"canary-SECRET-7f3a9c2e1b55",
	`cAn/ary+?&="<tok>\ sec#ret%20é`,
}

type stringer string

func (s stringer) String() string { return "stringer(" + string(s) + ")" }

// stableBase64 is the test's own derivation of the characters of a base64
// stream that come only from value when it starts at byte offset k: the
// characters in which the encodings of value after two different prefixes
// agree, trimmed to whole sextets inside the value.
func stableBase64(t *testing.T, enc *base64.Encoding, value string, k int) string {
	t.Helper()
	enc = enc.WithPadding(base64.NoPadding)
	a := enc.EncodeToString([]byte(strings.Repeat("\x00", k) + value))
	b := enc.EncodeToString([]byte(strings.Repeat("\xff", k) + value))
	first := (8*k + 5) / 6
	last := 8 * (k + len(value)) / 6
	require.Equal(t, a[first:last], b[first:last], "the stable part must not depend on the prefix")
	if k > 0 {
		require.NotEqual(t, a[:first], b[:first], "the characters before depend on the prefix")
	}
	return a[first:last]
}

// needles are every encoding of a canary the output must not contain.
func needles(t *testing.T, c string) map[string]string {
	n := map[string]string{
		"raw":         c,
		"hex":         hex.EncodeToString([]byte(c)),
		"HEX":         strings.ToUpper(hex.EncodeToString([]byte(c))),
		"query":       url.QueryEscape(c),
		"path":        url.PathEscape(c),
		"std":         base64.StdEncoding.EncodeToString([]byte(c)),
		"std-raw":     base64.RawStdEncoding.EncodeToString([]byte(c)),
		"url":         base64.URLEncoding.EncodeToString([]byte(c)),
		"url-raw":     base64.RawURLEncoding.EncodeToString([]byte(c)),
		"json":        strings.Trim(string(must(json.Marshal(c))), `"`),
		"json-nohtml": jsonNoHTML(c),
	}
	for k := range 3 {
		n[fmt.Sprintf("std@%d", k)] = stableBase64(t, base64.StdEncoding, c, k)
		n[fmt.Sprintf("url@%d", k)] = stableBase64(t, base64.URLEncoding, c, k)
	}
	return n
}

func jsonNoHTML(s string) string {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s)
	return strings.Trim(strings.TrimSpace(b.String()), `"`)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCanaryNeverReachesTheOutput(t *testing.T) {
	var out bytes.Buffer
	m := logging.NewMasker()
	logger := logging.New(&out, logging.Options{Level: slog.LevelDebug, ProjectID: "p", Masker: m})

	// Bound before the secrets are registered: must still be masked.
	early := logger.With("early", canaries[0]).WithGroup("g").With("early2", canaries[1])
	for _, c := range canaries {
		m.Register(c)
	}

	// Values that are not registered, masked by their shape alone.
	jwt := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u","wf":"unregistered-claims"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte("signature-bytes-here"))
	signature := "8a4f0c1e2b3d4a5f60718293a4b5c6d7e8f90a1b2c3d4e5f"
	bearer := "opaque-bearer-credential-Zx81"
	apiToken := "valet_Q2hlY2tUaGlzVG9rZW5fMTIz"
	shaped := map[string]string{"jwt": jwt, "signature": signature, "bearer": bearer, "apiToken": apiToken}

	lines := 0
	logf := func(l *slog.Logger, msg string, args ...any) {
		l.Info(msg, args...)
		lines++
	}
	logf(early, "bound early")
	for _, c := range canaries {
		n := needles(t, c)
		var plain []any
		for name, enc := range n {
			plain = append(plain, name, enc)
		}
		logf(logger, "every encoding", plain...)
		logf(logger, "in the message: "+c+" and "+n["std"]+" and "+n["hex"])
		logf(logger, "as key", c, "v")
		for k := range 3 {
			stream := []byte(strings.Repeat("P", k) + c + "suffix")
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
				encoded := enc.EncodeToString(stream)
				require.Contains(t, encoded, stableBase64(t, enc, c, k), "the needle must be in what is logged")
				logf(logger, "embedded base64", "k", k, "v", encoded)
			}
		}
		logf(logger, "in a URL", "url", "https://example.com/cb?state="+url.QueryEscape(c)+"&path=/"+url.PathEscape(c))
		logf(logger, "in JSON text", "body", `{"token":"`+n["json"]+`"}`)
		logf(logger, "marshalled", "m", map[string]any{"token": c, "list": []string{c}}, "bytes", []byte(c))
		logf(logger, "error", "error", fmt.Errorf("calling backend: %w", errors.New("bad token "+c)))
		logf(logger, "error with quoting", "error", fmt.Errorf("bad token %q", c))
		logf(logger, "nested groups", slog.Group("a", slog.Group("b", slog.String("c", c), slog.Any("err", errors.New(c)))))
		logf(logger.WithGroup("g1").WithGroup("g2").With("w", c), "open groups", "x", c)
		logf(logger, "stringer", "s", stringer(c))
		logf(logger, "logvaluer", "lv", slog.GroupValue(slog.String("inner", c)))

		claims := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u","tok":"` + c + `"}`))
		logf(logger, "jwt", "token", "eyJhbGciOiJIUzI1NiJ9."+claims+".c2ln")
		logf(logger, "header", "authorization", "Bearer "+c)
		logf(logger, "signed url", "url", "https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature="+hex.EncodeToString([]byte(c))+"&X-Goog-Expires=60")
	}
	logf(logger, "shapes", "jwt", jwt, "header", "Authorization: Bearer "+bearer,
		"url", "https://storage.googleapis.com/b/o?X-Goog-Signature="+signature+"&x=1",
		"escaped", url.QueryEscape("https://s/o?X-Goog-Signature="+signature), "apiToken", apiToken)

	text := out.String()
	for _, c := range canaries {
		for name, needle := range needles(t, c) {
			require.NotContains(t, text, needle, "canary %q leaked as %s", c, name)
		}
	}
	for name, v := range shaped {
		require.NotContains(t, text, v, "%s leaked", name)
	}

	got := 0
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "every line is one JSON object: %s", sc.Text())
		got++
	}
	require.Equal(t, lines, got)
	require.Contains(t, text, logging.Redacted)
}
