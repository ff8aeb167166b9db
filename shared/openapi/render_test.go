package openapi

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite docs/openapi.md from openapi.json")

// rendered is where the document's rendering lives.
var rendered = filepath.Join("..", "..", "docs", "openapi.md")

// TestRenderingIsCurrent: docs/openapi.md is the rendering of openapi.json;
// after a change of the document, regenerate it with
// `go test ./shared/openapi -run TestRenderingIsCurrent -update`.
func TestRenderingIsCurrent(t *testing.T) {
	want := render(t, load(t, Document()))
	if *update {
		require.NoError(t, os.WriteFile(rendered, want, 0o644))
	}
	got, err := os.ReadFile(rendered)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got),
		"docs/openapi.md is stale: run go test ./shared/openapi -run TestRenderingIsCurrent -update")
}

// render writes the document as Markdown: each function's routes in a
// table, then every schema's fields.
func render(t *testing.T, doc *openapi3.T) []byte {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# valet OpenAPI document\n\n")
	fmt.Fprintf(&b, "Generated from [`shared/openapi/openapi.json`](../shared/openapi/openapi.json) (OpenAPI %s) by\n", doc.OpenAPI)
	fmt.Fprintf(&b, "`go test ./shared/openapi -run TestRenderingIsCurrent -update`; do not edit by hand.\n")
	fmt.Fprintf(&b, "Each function serves its own part of the document at `GET /openapi.json`; [api.md](api.md) says what the routes do.\n\n")
	fmt.Fprintf(&b, "%s\n\n", doc.Info.Description)
	for _, tag := range doc.Tags {
		fmt.Fprintf(&b, "## %s\n\n%s\n\n", tag.Name, tag.Description)
		fmt.Fprintf(&b, "| route | summary | credentials | answers |\n|---|---|---|---|\n")
		routes, err := Routes(tag.Name)
		require.NoError(t, err)
		for _, r := range routes {
			op := doc.Paths.Find(r.Path).GetOperation(r.Method)
			route := "`" + r.Pattern() + "`"
			for _, a := range r.Aliases {
				route += ", `" + r.Method + " " + a + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", route, op.Summary, security(doc, op), answers(op))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Credentials\n\n| scheme | where | what |\n|---|---|---|\n")
	for _, name := range sortedKeys(doc.Components.SecuritySchemes) {
		s := doc.Components.SecuritySchemes[name].Value
		where := "`Authorization: Bearer`"
		if s.Type == "apiKey" {
			where = "`" + s.Name + "` header"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, where, s.Description)
	}
	fmt.Fprintf(&b, "\n## Schemas\n\nFields marked * are always present (in a request: required).\n\n")
	for _, name := range sortedKeys(doc.Components.Schemas) {
		s := doc.Components.Schemas[name].Value
		fmt.Fprintf(&b, "### %s\n\n", name)
		if s.Description != "" {
			fmt.Fprintf(&b, "%s\n\n", s.Description)
		}
		if len(s.Properties) == 0 {
			fmt.Fprintf(&b, "%s\n\n", typeOf(doc.Components.Schemas[name]))
			continue
		}
		fmt.Fprintf(&b, "| field | type |\n|---|---|\n")
		for _, p := range sortedKeys(s.Properties) {
			star := ""
			if slices.Contains(s.Required, p) {
				star = "*"
			}
			fmt.Fprintf(&b, "| `%s`%s | %s |\n", p, star, typeOf(s.Properties[p]))
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// security lists an operation's alternatives: "idToken or apiToken".
func security(doc *openapi3.T, op *openapi3.Operation) string {
	reqs := doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) == 0 {
		return "none"
	}
	var alts []string
	for _, req := range reqs {
		alts = append(alts, "`"+strings.Join(sortedKeys(req), "` + `")+"`")
	}
	return strings.Join(alts, " or ")
}

// answers lists an operation's documented statuses and bodies.
func answers(op *openapi3.Operation) string {
	var out []string
	for _, code := range sortedKeys(op.Responses.Map()) {
		r := op.Responses.Value(code).Value
		body := ""
		for _, mt := range sortedKeys(r.Content) {
			if s := r.Content[mt].Schema; s != nil {
				body = " " + typeOf(s)
				break
			}
		}
		if code == "default" {
			code = "error"
		}
		out = append(out, code+body)
	}
	return strings.Join(out, "; ")
}

// typeOf names a schema: a reference's name, an array of..., a type with
// its enum or format.
func typeOf(s *openapi3.SchemaRef) string {
	if s.Ref != "" {
		return "[" + s.Ref[strings.LastIndexByte(s.Ref, '/')+1:] + "](#" + strings.ToLower(s.Ref[strings.LastIndexByte(s.Ref, '/')+1:]) + ")"
	}
	v := s.Value
	switch {
	case len(v.OneOf) > 0:
		var alts []string
		for _, o := range v.OneOf {
			alts = append(alts, typeOf(o))
		}
		return strings.Join(alts, " or ")
	case v.Const != nil:
		return fmt.Sprintf("`%v`", v.Const)
	case len(v.Enum) > 0:
		var vals []string
		for _, e := range v.Enum {
			vals = append(vals, fmt.Sprintf("`%v`", e))
		}
		return strings.Join(vals, " \\| ")
	case v.Type.Is("array"):
		return "array of " + typeOf(v.Items)
	case v.Type.Is("object") && v.AdditionalProperties.Schema != nil:
		return "object of " + typeOf(v.AdditionalProperties.Schema)
	}
	t := strings.Join(v.Type.Slice(), " or ")
	if v.Format != "" {
		t += " (" + v.Format + ")"
	}
	if v.Description != "" {
		t += ": " + v.Description
	}
	return t
}
