package job

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/message"
)

// specNode is one schema of the JSON Schema subset SpecSchema is written
// in: type, properties, patternProperties, additionalProperties (a
// boolean), maxProperties, items, minItems, maxItems, minLength,
// maxLength, pattern, minimum, maximum, exclusiveMinimum, the false
// schema, and annotations. parseSpecSchema refuses any other keyword, so
// a schema change that needs one fails the tests instead of being
// ignored.
type specNode struct {
	never             bool     // the false schema
	types             []string // in the order JSON Schema libraries name them
	properties        map[string]*specNode
	patternProperties []patternNode // sorted by pattern
	closed            bool          // additionalProperties: false
	maxProperties     *int
	items             *specNode
	minItems          *int
	maxItems          *int
	minLength         *int
	maxLength         *int
	pattern           *regexp.Regexp
	minimum           *big.Rat
	maximum           *big.Rat
	exclusiveMinimum  *big.Rat
}

type patternNode struct {
	re   *regexp.Regexp
	node *specNode
}

// mismatch is one place where a value does not match: its location (the
// keys and indexes from the spec down) and what is wrong, worded as
// github.com/santhosh-tekuri/jsonschema/v6 words it in English.
type mismatch struct {
	Location []string
	Message  string
}

// annotations are keywords that do not constrain a value.
var annotations = map[string]bool{"$schema": true, "$id": true, "title": true, "description": true}

// typeOrder is the order JSON Schema libraries list a schema's types in.
var typeOrder = []string{"null", "boolean", "number", "integer", "string", "array", "object"}

func parseSpecSchema(doc []byte) (*specNode, error) {
	var raw any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	return parseSpecNode(raw, "#")
}

func parseSpecNode(raw any, at string) (*specNode, error) {
	if b, ok := raw.(bool); ok {
		if b {
			return &specNode{}, nil
		}
		return &specNode{never: true}, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a schema is an object or a boolean", at)
	}
	n := &specNode{}
	counts := map[string]**int{"maxProperties": &n.maxProperties, "minItems": &n.minItems, "maxItems": &n.maxItems,
		"minLength": &n.minLength, "maxLength": &n.maxLength}
	bounds := map[string]**big.Rat{"minimum": &n.minimum, "maximum": &n.maximum, "exclusiveMinimum": &n.exclusiveMinimum}
	for kw, v := range obj {
		here := at + "/" + kw
		var err error
		switch kw {
		case "type":
			err = n.parseType(v, here)
		case "properties":
			err = n.parseProperties(v, here)
		case "patternProperties":
			err = n.parsePatternProperties(v, here)
		case "additionalProperties":
			if b, isBool := v.(bool); !isBool || b {
				return nil, fmt.Errorf("%s: only false is supported", here)
			}
			n.closed = true
		case "items":
			n.items, err = parseSpecNode(v, here)
		case "pattern":
			s, isString := v.(string)
			if !isString {
				return nil, fmt.Errorf("%s: not a string", here)
			}
			n.pattern, err = regexp.Compile(s)
		default:
			if c, ok := counts[kw]; ok {
				*c, err = count(v, here)
			} else if b, ok := bounds[kw]; ok {
				*b, err = rat(v, here)
			} else if !annotations[kw] {
				return nil, fmt.Errorf("%s: keyword not supported by job.CheckSpec", here)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (n *specNode) parseType(v any, at string) error {
	names := []any{v}
	if list, ok := v.([]any); ok {
		names = list
	}
	for _, name := range names {
		s, _ := name.(string)
		if !slices.Contains(typeOrder, s) {
			return fmt.Errorf("%s: unknown type %v", at, name)
		}
	}
	for _, t := range typeOrder {
		if slices.Contains(names, any(t)) {
			n.types = append(n.types, t)
		}
	}
	return nil
}

func (n *specNode) parseProperties(v any, at string) error {
	props, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: not an object", at)
	}
	n.properties = map[string]*specNode{}
	for name, raw := range props {
		child, err := parseSpecNode(raw, at+"/"+name)
		if err != nil {
			return err
		}
		n.properties[name] = child
	}
	return nil
}

// parsePatternProperties keeps the patterns in a fixed (sorted) order, so
// a key matching several is reported the same way every time.
func (n *specNode) parsePatternProperties(v any, at string) error {
	props, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: not an object", at)
	}
	patterns := make([]string, 0, len(props))
	for p := range props {
		patterns = append(patterns, p)
	}
	slices.Sort(patterns)
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", at, p, err)
		}
		child, err := parseSpecNode(props[p], at+"/"+p)
		if err != nil {
			return err
		}
		n.patternProperties = append(n.patternProperties, patternNode{re: re, node: child})
	}
	return nil
}

func count(v any, at string) (*int, error) {
	f, ok := v.(float64)
	if !ok || f < 0 || f != float64(int(f)) {
		return nil, fmt.Errorf("%s: not a non-negative integer", at)
	}
	i := int(f)
	return &i, nil
}

func rat(v any, at string) (*big.Rat, error) {
	r, ok := numberRat(v)
	if !ok {
		return nil, fmt.Errorf("%s: not a number", at)
	}
	return r, nil
}

// jsonType is the JSON type of a decoded value, "" for a Go value JSON
// does not decode to.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return ""
}

// numberRat is a number's exact value, as the library reads it.
func numberRat(v any) (*big.Rat, bool) {
	if jsonType(v) != "number" {
		return nil, false
	}
	return new(big.Rat).SetString(fmt.Sprintf("%v", v))
}

// check returns where v (at loc) does not match n, in the order the
// library reports them: the type first (alone), then the value's own
// bounds, then its members (object members in key order, array items in
// index order), then an object's unexpected keys.
func (n *specNode) check(v any, loc []string, p *message.Printer) []mismatch {
	at := func(format string, args ...any) []mismatch {
		return []mismatch{{Location: loc, Message: p.Sprintf(format, args...)}}
	}
	if n.never {
		return at("not allowed")
	}
	t := jsonType(v)
	if t == "" {
		return at("invalid jsonType %T", v)
	}
	if len(n.types) > 0 && !slices.Contains(n.types, t) {
		isInt := false
		if r, ok := numberRat(v); ok {
			isInt = r.IsInt()
		}
		if !(t == "number" && isInt && slices.Contains(n.types, "integer")) {
			return at("got %s, want %s", t, strings.Join(n.types, " or "))
		}
	}
	var out []mismatch
	add := func(ms []mismatch) { out = append(out, ms...) }
	switch v := v.(type) {
	case map[string]any:
		if n.maxProperties != nil && len(v) > *n.maxProperties {
			add(at("maxProperties: got %d, want %d", len(v), *n.maxProperties))
		}
		var extra []string
		for _, key := range sortedKeys(v) {
			child := append(slices.Clip(loc), key)
			matched := false
			if s, ok := n.properties[key]; ok {
				matched = true
				add(s.check(v[key], child, p))
			}
			for _, pp := range n.patternProperties {
				if pp.re.MatchString(key) {
					matched = true
					add(pp.node.check(v[key], child, p))
				}
			}
			if !matched && n.closed {
				extra = append(extra, quote(key))
			}
		}
		if len(extra) > 0 {
			add(at("additional properties %s not allowed", strings.Join(extra, ", ")))
		}
	case []any:
		if n.minItems != nil && len(v) < *n.minItems {
			add(at("minItems: got %d, want %d", len(v), *n.minItems))
		}
		if n.maxItems != nil && len(v) > *n.maxItems {
			add(at("maxItems: got %d, want %d", len(v), *n.maxItems))
		}
		if n.items != nil {
			for i, item := range v {
				add(n.items.check(item, append(slices.Clip(loc), strconv.Itoa(i)), p))
			}
		}
	case string:
		runes := utf8.RuneCountInString(v)
		if n.minLength != nil && runes < *n.minLength {
			add(at("minLength: got %d, want %d", runes, *n.minLength))
		}
		if n.maxLength != nil && runes > *n.maxLength {
			add(at("maxLength: got %d, want %d", runes, *n.maxLength))
		}
		if n.pattern != nil && !n.pattern.MatchString(v) {
			add(at("%s does not match pattern %s", quote(v), quote(n.pattern.String())))
		}
	default:
		if r, ok := numberRat(v); ok {
			add(n.checkBounds(r, at))
		}
	}
	return out
}

// checkBounds checks a number against minimum, maximum and
// exclusiveMinimum, in that order.
func (n *specNode) checkBounds(r *big.Rat, at func(string, ...any) []mismatch) []mismatch {
	var out []mismatch
	f := func(x *big.Rat) float64 { v, _ := x.Float64(); return v }
	if n.minimum != nil && r.Cmp(n.minimum) < 0 {
		out = append(out, at("minimum: got %v, want %v", f(r), f(n.minimum))...)
	}
	if n.maximum != nil && r.Cmp(n.maximum) > 0 {
		out = append(out, at("maximum: got %v, want %v", f(r), f(n.maximum))...)
	}
	if n.exclusiveMinimum != nil && r.Cmp(n.exclusiveMinimum) <= 0 {
		out = append(out, at("exclusiveMinimum: got %v, want %v", f(r), f(n.exclusiveMinimum))...)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// quote single-quotes s as the library's messages do.
func quote(s string) string {
	s = fmt.Sprintf("%q", s)
	s = strings.ReplaceAll(s, `\"`, `"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s[1:len(s)-1] + "'"
}
