package jobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"valet.dev/valet/shared/apperr"
)

// Limits on a job's spec.
const (
	maxSpecBytes = 32 << 10 // the spec's JSON as sent
	maxSpecDepth = 16       // nested objects and arrays; Firestore allows 20 in a document
	// maxFieldPath is Firestore's limit on a field name and on a field
	// path, in bytes ("Quotas and limits", "Collections, documents, and
	// fields": https://cloud.google.com/firestore/quotas). A spec is kept as
	// the map field "spec" of the job's document, so every key in it is a
	// field name and the keys leading to it, after "spec", a field path.
	maxFieldPath = 1500
)

// parseSpec checks that raw is a JSON object Firestore can keep and returns
// it as Go values (integers as int64, other numbers as float64) with the
// hex SHA-256 of its canonical JSON (keys sorted, no insignificant space).
func parseSpec(raw json.RawMessage) (map[string]any, string, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return nil, "", apperr.E(apperr.Invalid, "spec is required: a JSON object")
	}
	if len(raw) > maxSpecBytes {
		return nil, "", apperr.E(apperr.Invalid, "spec is larger than %d bytes", maxSpecBytes)
	}
	if trimmed[0] != '{' {
		return nil, "", apperr.E(apperr.Invalid, "spec must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, "", apperr.Wrap(err, apperr.Invalid, "spec is not valid JSON")
	}
	norm, err := normalize(v, "spec", len("spec"), 0, false)
	if err != nil {
		return nil, "", err
	}
	spec := norm.(map[string]any)
	canonical, err := json.Marshal(spec)
	if err != nil {
		return nil, "", apperr.Wrap(err, apperr.Invalid, "spec cannot be encoded as JSON")
	}
	sum := sha256.Sum256(canonical)
	return spec, hex.EncodeToString(sum[:]), nil
}

// normalize converts json.Number values and checks what Firestore refuses:
// arrays directly inside arrays, empty or reserved ("__x__") map keys, field
// paths longer than maxFieldPath bytes, and nesting deeper than
// maxSpecDepth. path names the value in messages; fieldLen is the length
// of its Firestore field path.
func normalize(v any, path string, fieldLen, depth int, inArray bool) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if depth >= maxSpecDepth {
			return nil, apperr.E(apperr.Invalid, "%s nests deeper than %d levels", path, maxSpecDepth)
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			if k == "" {
				return nil, apperr.E(apperr.Invalid, "%s has an empty key", path)
			}
			if strings.HasPrefix(k, "__") && strings.HasSuffix(k, "__") {
				return nil, apperr.E(apperr.Invalid, "%s has a reserved key %s (keys may not start and end with __)", path, shorten(k))
			}
			keyPath := fieldLen + 1 + fieldNameLen(k)
			if keyPath > maxFieldPath {
				return nil, apperr.E(apperr.Invalid, "%s has a key %s of %d bytes that makes its field path longer than %d bytes (the keys leading to a value, joined by dots, with \"spec.\" in front); use shorter keys or less nesting",
					path, shorten(k), len(k), maxFieldPath)
			}
			n, err := normalize(e, path+"."+shorten(k), keyPath, depth+1, false)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		if inArray {
			return nil, apperr.E(apperr.Invalid, "%s is an array directly inside an array, which cannot be stored; wrap it in an object", path)
		}
		if depth >= maxSpecDepth {
			return nil, apperr.E(apperr.Invalid, "%s nests deeper than %d levels", path, maxSpecDepth)
		}
		out := make([]any, len(v))
		for i, e := range v {
			n, err := normalize(e, path+"["+strconv.Itoa(i)+"]", fieldLen, depth+1, true)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		f, err := v.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, apperr.E(apperr.Invalid, "%s holds the number %s, out of range", path, shorten(v.String()))
		}
		return f, nil
	default: // string, bool, nil
		return v, nil
	}
}

// fieldNameLen is the length of k as a segment of a field path: as is when
// it is a simple name (a letter or _, then letters, digits and _), else
// between backticks with ` and \ escaped, as Firestore quotes it (counted
// this way so that both readings of the limit hold).
func fieldNameLen(k string) int {
	simple := true
	n := len(k)
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '`' || c == '\\':
			simple = false
			n++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			simple = false
		}
	}
	if !simple {
		n += 2
	}
	return n
}

// shorten cuts s for an error message.
func shorten(s string) string {
	const maxLen = 40
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return strconv.Quote(s)
}
