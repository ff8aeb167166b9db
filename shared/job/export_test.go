package job

import (
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SpecMismatches is every place spec does not match SpecSchema, as
// "path: message", in CheckSpec's order.
func SpecMismatches(spec map[string]any) ([]string, error) {
	schema, err := compiledSpecSchema()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range schema.check(spec, nil, message.NewPrinter(language.English)) {
		out = append(out, specPath(m.Location)+": "+m.Message)
	}
	return out, nil
}

// ParseSpecSchema parses a schema as CheckSpec does SpecSchema.
func ParseSpecSchema(doc []byte) error {
	_, err := parseSpecSchema(doc)
	return err
}

// SpecPath is specPath.
var SpecPath = specPath
