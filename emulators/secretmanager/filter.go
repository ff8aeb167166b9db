package secretmanager

import (
	"fmt"
	"path"
	"strings"
	"unicode"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A filter is the subset of the List-operation filter language
// (https://cloud.google.com/secret-manager/docs/filtering, AIP-160) this
// emulator understands:
//
//	filter      = term { ["AND"] term }          whitespace is AND
//	term        = factor { "OR" factor }         OR binds tighter than AND
//	factor      = ["NOT" | "-"] ( "(" filter ")" | restriction )
//	restriction = field (":" | "=" | "!=") value  value is a word or "quoted"
//
// Fields: for secrets name, labels.KEY and labels (labels:KEY tests that the
// key is present); for versions name and state. "=" compares exactly (name
// matches the full resource name or its last segment), ":" tests for a
// substring, ":*" for presence; state compares case-insensitively. Anything
// else is rejected with InvalidArgument.
type filter interface {
	matches(fields map[string]string) bool
}

// fieldSet says which fields a listing can filter on.
type fieldSet func(field string) bool

var (
	secretFields fieldSet = func(f string) bool {
		return f == "name" || f == "labels" || (strings.HasPrefix(f, "labels.") && len(f) > len("labels."))
	}
	versionFields fieldSet = func(f string) bool { return f == "name" || f == "state" }
)

// secretLookup flattens a secret into the fields a filter reads.
func secretLookup(s *secretmanagerpb.Secret) map[string]string {
	fields := map[string]string{"name": s.GetName()}
	for k, v := range s.GetLabels() {
		fields["labels."+k] = v
	}
	return fields
}

// versionLookup flattens a version into the fields a filter reads.
func versionLookup(v *secretmanagerpb.SecretVersion) map[string]string {
	return map[string]string{"name": v.GetName(), "state": v.GetState().String()}
}

type (
	matchAll    struct{}
	andFilter   []filter
	orFilter    []filter
	notFilter   struct{ inner filter }
	restriction struct{ field, op, value string }
)

func (matchAll) matches(map[string]string) bool { return true }

func (a andFilter) matches(f map[string]string) bool {
	for _, x := range a {
		if !x.matches(f) {
			return false
		}
	}
	return true
}

func (o orFilter) matches(f map[string]string) bool {
	for _, x := range o {
		if x.matches(f) {
			return true
		}
	}
	return false
}

func (n notFilter) matches(f map[string]string) bool { return !n.inner.matches(f) }

func (r restriction) matches(fields map[string]string) bool {
	if r.field == "labels" { // labels:KEY, labels:*
		for k := range fields {
			if strings.HasPrefix(k, "labels.") && (r.value == "*" || k == "labels."+r.value) {
				return true
			}
		}
		return false
	}
	got, present := fields[r.field]
	equal := func() bool {
		switch r.field {
		case "state":
			return strings.EqualFold(got, r.value)
		case "name":
			return got == r.value || path.Base(got) == r.value
		}
		return got == r.value
	}
	switch r.op {
	case "=":
		return present && equal()
	case "!=":
		return !present || !equal()
	default: // ":"
		if r.value == "*" {
			return present
		}
		if r.field == "state" {
			return present && equal()
		}
		return present && strings.Contains(got, r.value)
	}
}

// parseFilter compiles text; an empty filter matches everything.
func parseFilter(text string, fields fieldSet) (filter, error) {
	toks, err := tokenize(text)
	if err != nil {
		return nil, invalidFilter(text, err)
	}
	if len(toks) == 0 {
		return matchAll{}, nil
	}
	p := &filterParser{toks: toks, fields: fields}
	f, err := p.expression()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	if err != nil {
		return nil, invalidFilter(text, err)
	}
	return f, nil
}

func invalidFilter(text string, err error) error {
	return status.Errorf(codes.InvalidArgument, "invalid filter %q: %v", text, err)
}

type tokenKind int

const (
	tokWord tokenKind = iota
	tokString
	tokOp
	tokOpen
	tokClose
)

type token struct {
	kind tokenKind
	text string
}

func tokenize(text string) ([]token, error) {
	var toks []token
	r := []rune(text)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(':
			toks = append(toks, token{tokOpen, "("})
			i++
		case c == ')':
			toks = append(toks, token{tokClose, ")"})
			i++
		case c == ':' || c == '=':
			toks = append(toks, token{tokOp, string(c)})
			i++
		case c == '!' || c == '<' || c == '>':
			op := string(c)
			if i+1 < len(r) && r[i+1] == '=' {
				op += "="
			}
			toks = append(toks, token{tokOp, op})
			i += len([]rune(op))
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(r) && r[j] != '"'; j++ {
				if r[j] == '\\' && j+1 < len(r) {
					j++
				}
				b.WriteRune(r[j])
			}
			if j >= len(r) {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, token{tokString, b.String()})
			i = j + 1
		default:
			j := i
			for j < len(r) && !unicode.IsSpace(r[j]) && !strings.ContainsRune(`()":=!<>`, r[j]) {
				j++
			}
			toks = append(toks, token{tokWord, string(r[i:j])})
			i = j
		}
	}
	return toks, nil
}

type filterParser struct {
	toks   []token
	pos    int
	fields fieldSet
	depth  int
}

// maxFilterDepth bounds nesting so a hostile filter cannot exhaust the stack.
const maxFilterDepth = 32

func (p *filterParser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *filterParser) isKeyword(word string) bool {
	t, ok := p.peek()
	return ok && t.kind == tokWord && t.text == word
}

func (p *filterParser) expression() (filter, error) {
	var all andFilter
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokClose {
			break
		}
		if p.isKeyword("AND") {
			if len(all) == 0 {
				return nil, fmt.Errorf("AND without a left operand")
			}
			p.pos++
		}
		term, err := p.term()
		if err != nil {
			return nil, err
		}
		all = append(all, term)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	if len(all) == 1 {
		return all[0], nil
	}
	return all, nil
}

func (p *filterParser) term() (filter, error) {
	first, err := p.factor()
	if err != nil {
		return nil, err
	}
	alternatives := orFilter{first}
	for p.isKeyword("OR") {
		p.pos++
		next, err := p.factor()
		if err != nil {
			return nil, err
		}
		alternatives = append(alternatives, next)
	}
	if len(alternatives) == 1 {
		return first, nil
	}
	return alternatives, nil
}

func (p *filterParser) factor() (filter, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("expression ends early")
	}
	switch {
	case t.kind == tokWord && (t.text == "NOT" || t.text == "-"):
		p.pos++
		inner, err := p.factor()
		if err != nil {
			return nil, err
		}
		return notFilter{inner}, nil
	case t.kind == tokWord && strings.HasPrefix(t.text, "-") && len(t.text) > 1:
		p.toks[p.pos].text = t.text[1:]
		inner, err := p.factor()
		if err != nil {
			return nil, err
		}
		return notFilter{inner}, nil
	case t.kind == tokOpen:
		p.depth++
		if p.depth > maxFilterDepth {
			return nil, fmt.Errorf("nested deeper than %d", maxFilterDepth)
		}
		p.pos++
		inner, err := p.expression()
		if err != nil {
			return nil, err
		}
		if t, ok := p.peek(); !ok || t.kind != tokClose {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		p.depth--
		return inner, nil
	}
	return p.restriction()
}

func (p *filterParser) restriction() (filter, error) {
	field, _ := p.peek()
	if field.kind != tokWord || field.text == "AND" || field.text == "OR" {
		return nil, fmt.Errorf("expected a field, got %q", field.text)
	}
	if !p.fields(field.text) {
		return nil, fmt.Errorf("field %q is not supported", field.text)
	}
	p.pos++
	op, ok := p.peek()
	if !ok || op.kind != tokOp {
		return nil, fmt.Errorf("expected an operator after %q", field.text)
	}
	if op.text != ":" && op.text != "=" && op.text != "!=" {
		return nil, fmt.Errorf("operator %q is not supported (use :, = or !=)", op.text)
	}
	if field.text == "labels" && op.text != ":" {
		return nil, fmt.Errorf("labels takes ':' (labels:KEY); compare a value with labels.KEY=VALUE")
	}
	p.pos++
	value, ok := p.peek()
	if !ok || (value.kind != tokWord && value.kind != tokString) {
		return nil, fmt.Errorf("expected a value after %s%s", field.text, op.text)
	}
	p.pos++
	return restriction{field: field.text, op: op.text, value: value.text}, nil
}
