// Package openapi holds valet's OpenAPI 3.1 document, openapi.json beside
// this file: every HTTP route of every function, with its requests,
// responses, errors and credentials. It is the one source; each function
// serves the part of it that describes its own routes (For, served by
// httpapi at GET /openapi.json), docs/openapi.md is rendered from it, and
// tests hold it to the code both ways: every route a function registers is
// described and every described route exists (shared/client's
// TestDocumentDescribesEveryRoute), and every request and answer of the
// emulator-backed tests matches it (emulators/contract).
//
// An operation belongs to the functions its tags name. A path item may
// list, under x-valet-aliases, other paths that serve the same operations
// (sweep's bare URL, which Cloud Scheduler calls).
package openapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

//go:embed openapi.json
var document []byte

// Document returns the whole document (a copy).
func Document() []byte { return slices.Clone(document) }

// Methods are the operation keys of a path item, in the order routes are
// listed.
var Methods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// AliasesKey is the path item extension listing other paths that serve the
// same operations.
const AliasesKey = "x-valet-aliases"

// Route is one operation: its method (upper case), its path template and
// the other paths that serve it.
type Route struct {
	Method, Path string
	Aliases      []string
}

// Pattern is the route as a ServeMux pattern: "GET /jobs/{id}".
func (r Route) Pattern() string { return r.Method + " " + r.Path }

func parse() (map[string]any, error) {
	var doc map[string]any
	if err := json.Unmarshal(document, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	return doc, nil
}

// tagged says whether op, an operation object, is tagged function.
func tagged(op any, function string) bool {
	m, _ := op.(map[string]any)
	tags, _ := m["tags"].([]any)
	return slices.Contains(tags, any(function))
}

// Routes lists the operations of the named function, by path then method.
func Routes(function string) ([]Route, error) {
	doc, err := parse()
	if err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	var out []Route
	for path, v := range paths {
		item, _ := v.(map[string]any)
		var aliases []string
		if list, ok := item[AliasesKey].([]any); ok {
			for _, a := range list {
				s, _ := a.(string)
				aliases = append(aliases, s)
			}
		}
		for _, m := range Methods {
			if op, ok := item[m]; ok && tagged(op, function) {
				out = append(out, Route{Method: strings.ToUpper(m), Path: path, Aliases: aliases})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out, nil
}

// For returns the document reduced to the named function's operations: the
// paths, operations and tags of the other functions are left out, the
// components kept whole. An unknown function is an error.
func For(function string) ([]byte, error) {
	doc, err := parse()
	if err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	kept := map[string]any{}
	for path, v := range paths {
		item, _ := v.(map[string]any)
		out, ops := map[string]any{}, 0
		for key, val := range item {
			switch {
			case !slices.Contains(Methods, key):
				out[key] = val // parameters, summary, x-valet-aliases...
			case tagged(val, function):
				out[key] = val
				ops++
			}
		}
		if ops > 0 {
			kept[path] = out
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("openapi.json has no operation tagged %q", function)
	}
	doc["paths"] = kept
	if tags, ok := doc["tags"].([]any); ok {
		doc["tags"] = slices.DeleteFunc(tags, func(t any) bool {
			m, _ := t.(map[string]any)
			return m["name"] != function
		})
	}
	if info, ok := doc["info"].(map[string]any); ok {
		info["title"] = "valet " + function
	}
	return json.MarshalIndent(doc, "", "  ")
}
