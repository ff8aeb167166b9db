package client

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/openapi"
	"valet.dev/valet/shared/project"
)

// TestClientTypesMatchTheDocument: each type the client decodes an answer
// into, or encodes a request from, has exactly the top-level fields the
// document's schema of that answer or request lists. A field the functions
// answer but the client lacks is dropped silently by encoding/json
// (client.SweepResult had no "migrated"), and the contract check cannot
// see it: it reads the wire, not the client.
func TestClientTypesMatchTheDocument(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(openapi.Document(), &doc))
	answers := map[string]any{
		"Health":       Health{},
		"JobCreated":   Created{},
		"JobList":      JobList{},
		"Job":          job.View{},
		"SignedUpload": SignedURL{}, // Download is its url and expiresAt
		"Lease":        Lock{},
		"Space":        Space{},
		"Usage":        Usage{},
		"Token":        TokenInfo{},
		"Event":        job.Event{},
		"AuditEntry":   audit.Entry{},
		// Requests the client sends: a documented field it lacks is a
		// feature its callers cannot reach, a field the document lacks
		// one the functions refuse.
		"CreateJobRequest":    CreateJobRequest{},
		"ClaimRequest":        ClaimRequest{},
		"CreateTokenRequest":  CreateTokenRequest{},
		"CreateObjectRequest": CreateObjectRequest{},
		"EventList":           EventList{},
		"Claim":               Claim{},
		"AuthBundle":          Bundle{},
		"SweepResult":         SweepResult{},
		"TokenCreated":        NewToken{},
		"Project":             Project{},
		"Member":              project.Member{},
		"ObjectCreated":       CreatedObject{},
		"ObjectList":          ObjectList{},
		"AuditList":           AuditList{},
		"Object":              object.Object{},
	}
	for name, v := range answers {
		schema, ok := doc.Components.Schemas[name]
		require.True(t, ok, "the document has no schema %s", name)
		var documented []string
		for p := range schema.Properties {
			documented = append(documented, p)
		}
		slices.Sort(documented)
		assert.Equal(t, documented, jsonFields(reflect.TypeOf(v)),
			"schema %s (left) and the client's %T (right) name different fields", name, v)
	}
}

// jsonFields returns the names encoding/json gives t's fields, sorted,
// embedded structs' fields included.
func jsonFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-", !f.IsExported() && !f.Anonymous:
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			names = append(names, jsonFields(f.Type)...)
		case tag != "":
			names = append(names, tag)
		default:
			names = append(names, f.Name)
		}
	}
	slices.Sort(names)
	return names
}
