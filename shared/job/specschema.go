package job

import (
	"bytes"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"valet.dev/valet/shared/apperr"
)

// SpecSchema is the JSON Schema (2020-12) of a job's spec: image, command
// (a list of strings), env, resources and labels, nothing else. POST /jobs
// refuses a spec that does not match it and the CLI checks a spec before
// it uploads anything; docs/api.md ("Job spec") describes it.
//
//go:embed spec.schema.json
var SpecSchema []byte

// maxSpecMessage bounds the part of a refusal that names the field and the
// mismatch, in bytes.
const maxSpecMessage = 200

// SpecSchemaURL is the schema's $id.
const SpecSchemaURL = "https://valet.dev/schemas/job-spec.schema.json"

// compiledSpecSchema compiles SpecSchema once; the embedded schema is
// checked by the tests, so an error here is a build mistake.
var compiledSpecSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SpecSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SpecSchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(SpecSchemaURL)
})

// CheckSpec checks spec (decoded JSON: objects as map[string]any, numbers
// as any Go number or json.Number) against SpecSchema. A mismatch is
// Invalid, naming the field ("spec.command[0]: ...").
func CheckSpec(spec map[string]any) error {
	schema, err := compiledSpecSchema()
	if err != nil {
		return apperr.Wrap(err, apperr.Internal, "the job spec schema does not compile")
	}
	err = schema.Validate(spec)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return apperr.Wrap(err, apperr.Invalid, "spec does not match the job spec schema")
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	msg := ve.ErrorKind.LocalizedString(message.NewPrinter(language.English))
	if _, ok := ve.ErrorKind.(*kind.FalseSchema); ok {
		msg = "not allowed"
	}
	text := specPath(ve.InstanceLocation) + ": " + msg
	if len(text) > maxSpecMessage { // the library quotes keys and values whole
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
