package httpapi_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/ids"
)

type submit struct {
	Name    string            `json:"name"`
	Timeout int               `json:"timeoutSeconds"`
	Labels  map[string]string `json:"labels"`
	Spec    struct {
		Image string   `json:"image"`
		Args  []string `json:"args"`
	} `json:"spec"`
	Project ids.ProjectID `json:"project"`
	Reuse   *bool         `json:"reuse"`
}

// decode runs Decode on body sent as contentType.
func decode(contentType, body string, dst any, opts ...httpapi.DecodeOption) error {
	return httpapi.Decode(decodeRequest(contentType, strings.NewReader(body)), dst, opts...)
}

// requireAppErr asserts err is an *apperr.Error with code and message.
func requireAppErr(t *testing.T, err error, code apperr.Code, message string, msgAndArgs ...any) {
	t.Helper()
	var ae *apperr.Error
	require.True(t, errors.As(err, &ae), "%v", err)
	require.Equal(t, code, ae.Code, msgAndArgs...)
	require.Equal(t, message, ae.Message, msgAndArgs...)
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
		opts        []httpapi.DecodeOption
		code        apperr.Code // "" for success
		message     string
	}{
		{name: "ok", contentType: "application/json", body: `{"name":"a","timeoutSeconds":5,"spec":{"image":"x","args":["1"]},"project":"my-proj"}`},
		{name: "charset ok", contentType: "application/json; charset=UTF-8", body: `{"name":"a"}`},
		{name: "trailing whitespace ok", contentType: "application/json", body: "{\"name\":\"a\"}\n\t "},
		{name: "no content type", body: `{}`, code: apperr.UnsupportedMedia, message: "Content-Type is missing: want application/json"},
		{name: "text", contentType: "text/plain", body: `{}`, code: apperr.UnsupportedMedia, message: "Content-Type must be application/json"},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: `a=b`, code: apperr.UnsupportedMedia, message: "Content-Type must be application/json"},
		{name: "garbage content type", contentType: "application/json; ;;=", body: `{}`, code: apperr.UnsupportedMedia, message: "Content-Type must be application/json"},
		{name: "other charset", contentType: "application/json; charset=latin1", body: `{}`, code: apperr.UnsupportedMedia, message: "Content-Type charset must be utf-8"},
		{name: "too large", contentType: "application/json", body: `{"name":"` + strings.Repeat("a", 100) + `"}`, opts: []httpapi.DecodeOption{httpapi.MaxBodyBytes(50)}, code: apperr.TooLarge, message: "request body is larger than 50 bytes"},
		{name: "default limit", contentType: "application/json", body: `{"name":"` + strings.Repeat("a", 64<<10) + `"}`, code: apperr.TooLarge, message: "request body is larger than 65536 bytes"},
		{name: "trailing data past limit", contentType: "application/json", body: `{"name":"a"}` + strings.Repeat(" ", 60) + "{}", opts: []httpapi.DecodeOption{httpapi.MaxBodyBytes(50)}, code: apperr.TooLarge, message: "request body is larger than 50 bytes"},
		{name: "exactly at limit", contentType: "application/json", body: `{"name":"abc"}`, opts: []httpapi.DecodeOption{httpapi.MaxBodyBytes(14)}},
		{name: "empty", contentType: "application/json", body: ``, code: apperr.Invalid, message: "request body is empty: want a JSON value"},
		{name: "only whitespace", contentType: "application/json", body: " \n", code: apperr.Invalid, message: "request body is empty: want a JSON value"},
		{name: "unknown field", contentType: "application/json", body: `{"name":"a","foo":1}`, code: apperr.Invalid, message: `unknown field "foo"`},
		{name: "wrong type", contentType: "application/json", body: `{"timeoutSeconds":"5"}`, code: apperr.Invalid, message: `field "timeoutSeconds" must be a JSON integer (in range), not string`},
		{name: "nested wrong type", contentType: "application/json", body: `{"spec":{"args":"x"}}`, code: apperr.Invalid, message: `field "spec.args" must be a JSON array, not string`},
		{name: "fraction for int", contentType: "application/json", body: `{"timeoutSeconds":1.5}`, code: apperr.Invalid, message: `field "timeoutSeconds" must be a JSON integer (in range), not number 1.5`},
		{name: "bool for pointer", contentType: "application/json", body: `{"reuse":"yes"}`, code: apperr.Invalid, message: `field "reuse" must be a JSON boolean, not string`},
		{name: "array body", contentType: "application/json", body: `[1]`, code: apperr.Invalid, message: `request body must be a JSON object, not array`},
		{name: "syntax", contentType: "application/json", body: `{"name":x}`, code: apperr.Invalid, message: "request body is not valid JSON at byte 9: invalid character 'x' looking for beginning of value"},
		{name: "truncated", contentType: "application/json", body: `{"name":"a"`, code: apperr.Invalid, message: "request body ends in the middle of its JSON value"},
		{name: "two values", contentType: "application/json", body: `{"name":"a"}{"name":"b"}`, code: apperr.Invalid, message: "request body holds data after its JSON value, which ends at byte 12"},
		{name: "trailing garbage", contentType: "application/json", body: `{"name":"a"} x`, code: apperr.Invalid, message: "request body holds data after its JSON value, which ends at byte 12"},
		{name: "bad typed id", contentType: "application/json", body: `{"project":"A"}`, code: apperr.Invalid, message: `project id "A" must be 3 to 63 characters long`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var dst submit
			err := decode(c.contentType, c.body, &dst, c.opts...)
			if c.code == "" {
				require.NoError(t, err)
				return
			}
			requireAppErr(t, err, c.code, c.message)
		})
	}
}

func TestDecodeValues(t *testing.T) {
	var dst submit
	require.NoError(t, decode("application/json", `{"name":"a","labels":{"k":"v"},"project":"my-proj","reuse":true}`, &dst))
	require.Equal(t, "a", dst.Name)
	require.Equal(t, map[string]string{"k": "v"}, dst.Labels)
	require.Equal(t, ids.ProjectID("my-proj"), dst.Project)
	require.NotNil(t, dst.Reuse)
	require.True(t, *dst.Reuse)
}

func TestDecodeDeclaredLengthOverLimit(t *testing.T) {
	r := decodeRequest("application/json", strings.NewReader(`{}`))
	r.ContentLength = 1 << 20
	require.Equal(t, apperr.TooLarge, apperr.CodeOf(httpapi.Decode(r, &submit{})))
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestDecodeReadErrorIsAClientError(t *testing.T) {
	r := decodeRequest("application/json", io.MultiReader(strings.NewReader(`{"na`), failingReader{}))
	require.Equal(t, apperr.Invalid, apperr.CodeOf(httpapi.Decode(r, &submit{})))
}

func TestDecodeIntoBadDestinationIsInternal(t *testing.T) {
	require.Equal(t, apperr.Internal, apperr.CodeOf(decode("application/json", `{}`, submit{})))
}

func FuzzDecode(f *testing.F) {
	f.Add("application/json", `{"name":"a","timeoutSeconds":5,"spec":{"image":"x","args":["1"]}}`)
	f.Add("application/json; charset=utf-8", `{"project":"my-proj","reuse":null}`)
	f.Add("application/json", `{"labels":{"a":1}}`)
	f.Add("text/plain", `[]`)
	f.Add("application/json", "\xff\x00")
	f.Fuzz(func(t *testing.T, contentType, body string) {
		var dst submit
		err := decode(contentType, body, &dst, httpapi.MaxBodyBytes(256))
		if err == nil {
			return
		}
		var ae *apperr.Error
		require.True(t, errors.As(err, &ae), "Decode returns *apperr.Error: %v", err)
		require.Less(t, apperr.Status(ae.Code), 500, "client input never gives a 5xx: %v", err)
		require.NotEmpty(t, ae.Message)
	})
}
