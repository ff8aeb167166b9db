package job

import (
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"valet.dev/valet/shared/apperr"
)

// SpecSchema is the JSON Schema (2020-12) of a job's spec: image, command
// (a list of strings), env, resources and labels, nothing else. POST /jobs
// refuses a spec that does not match it and the CLI checks a spec before
// it uploads anything; docs/api.md ("Job spec") describes it.
//
// CheckSpec interprets it with the few keywords it uses (specnode.go)
// rather than through a general JSON Schema library: such a library
// compiles every draft's meta-schemas when the process starts, which was
// the largest part of a function's cold start (docs/benchmarks.md). The
// tests check every verdict and message against
// github.com/santhosh-tekuri/jsonschema/v6 on fuzzed specs.
//
//go:embed spec.schema.json
var SpecSchema []byte

// maxSpecMessage bounds the part of a refusal that names the field and the
// mismatch, in bytes.
const maxSpecMessage = 200

// SpecSchemaURL is the schema's $id.
const SpecSchemaURL = "https://valet.dev/schemas/job-spec.schema.json"

// compiledSpecSchema parses SpecSchema once; the embedded schema is
// checked by the tests, so an error here is a build mistake.
var compiledSpecSchema = sync.OnceValues(func() (*specNode, error) { return parseSpecSchema(SpecSchema) })

// CheckSpec checks spec (decoded JSON: objects as map[string]any, numbers
// as any Go number or json.Number) against SpecSchema. A mismatch is
// Invalid, naming the field ("spec.command[0]: ...").
func CheckSpec(spec map[string]any) error {
	schema, err := compiledSpecSchema()
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "the job spec schema does not compile")
	}
	mismatches := schema.check(spec, nil, message.NewPrinter(language.English))
	if len(mismatches) == 0 {
		return nil
	}
	m := mismatches[0]
	text := specPath(m.Location) + ": " + m.Message
	if len(text) > maxSpecMessage { // keys and values are quoted whole
		cut := maxSpecMessage
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return apperr.E(apperr.Invalid, "%s (see the job spec schema, %s)", text, SpecSchemaURL)
}

// specPath writes an instance location as "spec.env.NAME" or
// "spec.command[0]".
func specPath(loc []string) string {
	var b strings.Builder
	b.WriteString("spec")
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil {
			fmt.Fprintf(&b, "[%s]", tok)
			continue
		}
		b.WriteString("." + tok)
	}
	return b.String()
}
