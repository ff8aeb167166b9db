package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

type embedded struct {
	Owner string `json:"owner"`
}

type withFreeForm struct {
	embedded
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	Raw    json.RawMessage   `json:"raw"`
	Any    any               `json:"any"`
	Items  []struct {
		Key string `json:"key"`
	} `json:"items"`
}

// TestDecodeRefusesAmbiguousKeys: encoding/json keeps the last of two
// equal keys and matches field names in any case; Decode refuses both
// readings of a body with 400 instead, at every depth, while the keys of
// free-form objects keep their case.
func TestDecodeRefusesAmbiguousKeys(t *testing.T) {
	cases := []struct {
		body    string
		message string // "" for success
	}{
		{`{"name":"a","labels":{"k":"1","K":"2"},"raw":{"a":1,"A":2},"any":{"b":1,"B":2},"owner":"o","items":[{"key":"x"}]}`, ""},
		{`{"name":"a","name":"b"}`, `request body holds the key "name" twice; send each key once`},
		{`{"name":"a","NAME":"b"}`, `field "NAME" must be spelled "name": field names are case-sensitive`},
		{`{"Name":"a"}`, `field "Name" must be spelled "name": field names are case-sensitive`},
		{`{"OWNER":"a"}`, `field "OWNER" must be spelled "owner": field names are case-sensitive`},
		{`{"owner":"a","owner":"b"}`, `request body holds the key "owner" twice; send each key once`},
		{`{"labels":{"k":"1","k":"2"}}`, `request body holds the key "k" twice in "labels"; send each key once`},
		{`{"raw":{"a":{"b":1,"b":2}}}`, `request body holds the key "b" twice in "raw.a"; send each key once`},
		{`{"raw":[{"x":1},{"x":1,"x":2}]}`, `request body holds the key "x" twice in "raw[1]"; send each key once`},
		{`{"any":{"a":1,"a":1}}`, `request body holds the key "a" twice in "any"; send each key once`},
		{`{"items":[{"key":"a","Key":"b"}]}`, `field "Key" in "items[0]" must be spelled "key": field names are case-sensitive`},
		{`{"labelſ":{}}`, `field "labelſ" must be spelled "labels": field names are case-sensitive`}, // U+017F folds to s
		{"{\"name\":\"\xff\"}", "request body is not valid UTF-8 (JSON text must be): the bytes at 9 are not"},
	}
	for _, c := range cases {
		var dst withFreeForm
		err := decode("application/json", c.body, &dst)
		if c.message == "" {
			require.NoError(t, err, c.body)
			continue
		}
		requireAppErr(t, err, apperr.Invalid, c.message, c.body)
	}
}
