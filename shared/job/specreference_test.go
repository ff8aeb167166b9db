package job_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/job"
)

// reference is SpecSchema compiled by a general JSON Schema (2020-12)
// library, which CheckSpec must agree with: it is test-only because it
// compiles every draft's meta-schemas at process start.
var reference = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(job.SpecSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(job.SpecSchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(job.SpecSchemaURL)
})

// referenceMismatches is every leaf of the library's verdict on spec, as
// "path: message" (the names of unexpected keys sorted: the library lists
// them in map order), sorted.
func referenceMismatches(t testing.TB, spec map[string]any) []string {
	t.Helper()
	schema, err := reference()
	require.NoError(t, err)
	err = schema.Validate(spec)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	require.True(t, ok, "%v", err)
	p := message.NewPrinter(language.English)
	var out []string
	var walk func(*jsonschema.ValidationError)
	walk = func(ve *jsonschema.ValidationError) {
		if len(ve.Causes) > 0 {
			for _, c := range ve.Causes {
				walk(c)
			}
			return
		}
		msg := ve.ErrorKind.LocalizedString(p)
		switch k := ve.ErrorKind.(type) {
		case *kind.FalseSchema:
			msg = "not allowed"
		case *kind.AdditionalProperties:
			slices.Sort(k.Properties)
			msg = k.LocalizedString(p)
		}
		out = append(out, job.SpecPath(ve.InstanceLocation)+": "+msg)
	}
	walk(ve)
	slices.Sort(out)
	return out
}

// agree checks CheckSpec against the library on raw: the same verdict,
// the same mismatches, and a refusal that names the first of them.
func agree(t testing.TB, raw string) {
	t.Helper()
	var spec map[string]any
	if json.Unmarshal([]byte(raw), &spec) != nil || spec == nil {
		return
	}
	want := referenceMismatches(t, spec)
	got, err := job.SpecMismatches(spec)
	require.NoError(t, err)
	err = job.CheckSpec(spec)
	if len(want) == 0 {
		require.NoError(t, err, raw)
		require.Empty(t, got, raw)
		return
	}
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err), raw)
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	require.Equal(t, want, sorted, raw)
	first := got[0]
	if len(first) > 200 {
		first = first[:150] // CheckSpec cuts long texts
	}
	require.True(t, strings.HasPrefix(apperr.From(err).Message, first), "%s: %s", raw, apperr.From(err).Message)
}

var agreementSeeds = []string{
	`{}`, `{"image":"x","command":["a"]}`, `{"comand":1}`, `{"env":{"VALET_X":"1"}}`,
	`{"resources":{"cpu":-1,"gpu":1e400}}`, `{"labels":{"":""}}`, `{"command":[["a"]]}`,
	`{"comand":["make"]}`, `{"command":"make test"}`, `{"command":[]}`, `{"command":["make",1]}`,
	`{"command":["make",""]}`, `{"image":""}`, `{"image":"two words"}`, `{"image":7}`,
	`{"env":{"VALET_JOB_TOKEN":"x"}}`, `{"env":{"DW_WORKFLOW_TOKEN":"x"}}`, `{"env":{"1X":"x"}}`,
	`{"env":{"X":1}}`, `{"resources":{"cpu":0}}`, `{"resources":{"memoryMiB":1.5}}`,
	`{"resources":{"disk":1}}`, `{"resources":{"cpu":1024.5,"memoryMiB":16777217,"gpu":65}}`,
	`{"resources":{"cpu":1e-7,"memoryMiB":1e3,"gpu":-0}}`, `{"resources":{"memoryMiB":0,"gpu":2.0}}`,
	`{"resources":null}`, `{"env":[]}`, `{"image":"a\tb"}`, `{"image":"it's"}`, `{"image":"é"}`,
	`{"a":1,"b":2,"image":""}`, `{"env":{"VALET_":1,"A":"","a":2}}`,
	`{"command":["` + strings.Repeat("x", 8193) + `"]}`, `{"image":"` + strings.Repeat("é", 1025) + `"}`,
}

// TestCheckSpecAgreesWithAJSONSchemaLibrary: CheckSpec's own reading of
// the schema refuses exactly what a JSON Schema library refuses, with its
// words.
func TestCheckSpecAgreesWithAJSONSchemaLibrary(t *testing.T) {
	for _, raw := range agreementSeeds {
		agree(t, raw)
	}
	env := map[string]any{}
	for i := range 101 {
		env["K"+strings.Repeat("x", i)] = "v"
	}
	b, err := json.Marshal(map[string]any{"env": env, "command": make([]any, 1001)})
	require.NoError(t, err)
	agree(t, string(b))
}

// FuzzCheckSpecAgrees: on any JSON object CheckSpec and the library agree.
func FuzzCheckSpecAgrees(f *testing.F) {
	for _, seed := range agreementSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) { agree(t, raw) })
}

// TestSpecSchemaUsesOnlyWhatCheckSpecReads: a keyword CheckSpec does not
// interpret is refused when the schema is read, not ignored.
func TestSpecSchemaUsesOnlyWhatCheckSpecReads(t *testing.T) {
	require.NoError(t, job.ParseSpecSchema(job.SpecSchema))
	for _, doc := range []string{
		`{"type":"object","required":["image"]}`,
		`{"properties":{"a":{"enum":[1]}}}`,
		`{"additionalProperties":{"type":"string"}}`,
		`{"items":{"format":"uri"}}`,
		`{"type":"decimal"}`,
		`{"pattern":1}`,
		`{"maxLength":-1}`,
	} {
		require.Error(t, job.ParseSpecSchema([]byte(doc)), doc)
	}
}
