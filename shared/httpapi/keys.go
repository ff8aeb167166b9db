package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode"

	"valet.dev/valet/shared/apperr"
)

// checkKeys scans body, one JSON value already known to be valid, for the
// keys encoding/json would quietly accept: it matches object keys to
// struct fields case-insensitively and keeps the last of duplicate keys,
// so {"spec":…,"SPEC":…} would mean whichever came last, and a check made
// on one reading of a body (by a proxy, a log, another parser) could be
// passed by another. Refused, with 400:
//   - a key repeated in one object, anywhere in the body (free-form values
//     such as a job's spec included);
//   - in an object decoded into a struct (dst's type guides the scan), a
//     key that is not spelled exactly as the field's JSON name.
//
// Keys of free-form objects (maps, json.RawMessage, any) keep their case:
// "a" and "A" are two keys there.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return (&keyScanner{dec: dec}).value(t, "")
}

type keyScanner struct{ dec *json.Decoder }

// value reads one value of type t (nil: free-form) at path.
func (s *keyScanner) value(t reflect.Type, path string) error {
	tok, err := s.dec.Token()
	if err != nil {
		return apperr.Wrap(err, apperr.Invalid, "request body is not valid JSON")
	}
	switch tok {
	case json.Delim('{'):
		return s.object(structured(t), path)
	case json.Delim('['):
		var elem reflect.Type
		if t = structured(t); t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; s.dec.More(); i++ {
			if err := s.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := s.dec.Token() // ]
		return err
	}
	return nil
}

// object reads the members of an object of type t after its '{'.
func (s *keyScanner) object(t reflect.Type, path string) error {
	var fields map[string]reflect.StructField
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := map[string]bool{}
	for s.dec.More() {
		tok, err := s.dec.Token()
		if err != nil {
			return apperr.Wrap(err, apperr.Invalid, "request body is not valid JSON")
		}
		key, _ := tok.(string)
		at := joinPath(path, key)
		if seen[key] {
			return apperr.E(apperr.Invalid, "request body holds the key %s twice%s; send each key once", apperr.Quote(key), where(path))
		}
		seen[key] = true
		var child reflect.Type
		switch {
		case fields != nil:
			f, ok := fields[key]
			if !ok {
				if want := spelledAs(fields, key); want != "" {
					return apperr.E(apperr.Invalid, "field %s%s must be spelled %s: field names are case-sensitive", apperr.Quote(key), where(path), apperr.Quote(want))
				}
				return apperr.E(apperr.Invalid, "unknown field %s%s", apperr.Quote(key), where(path))
			}
			child = f.Type
		case t != nil && t.Kind() == reflect.Map:
			child = t.Elem()
		}
		if err := s.value(child, at); err != nil {
			return err
		}
	}
	_, err := s.dec.Token() // }
	return err
}

var (
	rawMessage  = reflect.TypeFor[json.RawMessage]()
	unmarshaler = reflect.TypeFor[json.Unmarshaler]()
)

// structured is t without pointers, or nil when its JSON is free-form or
// decoded by its own method (json.RawMessage, interfaces, Unmarshalers).
func structured(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t == rawMessage || t.Kind() == reflect.Interface ||
		t.Implements(unmarshaler) || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	return t
}

// jsonFields maps the JSON names of t's fields, as encoding/json names
// them (tag name, else the Go name; embedded structs without a tag
// promote their fields), to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := structured(f.Type); et != nil && et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// spelledAs returns the field name key matches under Unicode case folding
// (as encoding/json would match it), or "".
func spelledAs(fields map[string]reflect.StructField, key string) string {
	k := foldKey(key)
	for name := range fields {
		if foldKey(name) == k {
			return name
		}
	}
	return ""
}

// foldKey maps s to one representative of its case-folding class: each
// rune becomes the smallest rune of its unicode.SimpleFold orbit, so
// foldKey(a) == foldKey(b) exactly when strings.EqualFold(a, b).
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// where names the object a key is in for a message ("" at the top).
func where(path string) string {
	if path == "" {
		return ""
	}
	return " in " + apperr.Quote(path)
}
