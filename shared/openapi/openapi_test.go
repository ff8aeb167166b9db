package openapi

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// functions are the functions the document describes: each deployable
// function and the console.
var functions = []string{"jobs", "objects", "tokens", "dispatch", "sweep", "finalize", "console"}

func load(t *testing.T, b []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(b)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	return doc
}

// TestDocumentIsValid: openapi.json is a valid OpenAPI 3.1 document, every
// operation has an id, a summary, a tag naming a function and a default
// (error) answer, and every function's part of it is valid too.
func TestDocumentIsValid(t *testing.T) {
	doc := load(t, Document())
	require.Equal(t, "3.1.0", doc.OpenAPI)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			require.NotEmpty(t, op.OperationID, where)
			require.NotEmpty(t, op.Summary, where)
			require.NotEmpty(t, op.Description, where)
			require.NotEmpty(t, op.Tags, where)
			for _, tag := range op.Tags {
				require.Contains(t, functions, tag, where)
			}
			require.NotNil(t, op.Responses.Default(), "%s has no default (error) answer", where)
		}
	}
	for _, fn := range functions {
		b, err := For(fn)
		require.NoError(t, err, fn)
		part := load(t, b)
		routes, err := Routes(fn)
		require.NoError(t, err)
		n := 0
		for _, item := range part.Paths.Map() {
			n += len(item.Operations())
		}
		require.Equal(t, len(routes), n, "%s's document holds its routes and no other", fn)
		require.Len(t, part.Tags, 1)
		require.Equal(t, fn, part.Tags[0].Name)
	}
}

// TestForLeavesOutOtherFunctions: a function's part has its operations
// only (here dispatch: no jobs route under /jobs, no console page).
func TestForLeavesOutOtherFunctions(t *testing.T) {
	b, err := For("dispatch")
	require.NoError(t, err)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Contains(t, doc.Paths, "/jobs/{id}/auth")
	require.Contains(t, doc.Paths, "/healthz")
	require.NotContains(t, doc.Paths, "/jobs/{id}")
	require.NotContains(t, doc.Paths, "/")
	_, err = For("nosuch")
	require.Error(t, err)
}

// TestSweepAlias: sweep's bare URL is listed as an alias of POST /sweep.
func TestSweepAlias(t *testing.T) {
	routes, err := Routes("sweep")
	require.NoError(t, err)
	var found bool
	for _, r := range routes {
		if r.Pattern() == "POST /sweep" {
			found = true
			require.Equal(t, []string{"/"}, r.Aliases)
		}
	}
	require.True(t, found)
}
