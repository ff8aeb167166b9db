package httpapi

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"valet.dev/valet/shared/apperr"
)

// DefaultMaxBodyBytes is the body limit of Decode unless MaxBodyBytes says
// otherwise.
const DefaultMaxBodyBytes = 64 << 10

// DecodeOption adjusts one call of Decode.
type DecodeOption func(*decodeConfig)

type decodeConfig struct {
	maxBytes int64
}

// MaxBodyBytes sets the body limit of one Decode call.
func MaxBodyBytes(n int64) DecodeOption {
	return func(c *decodeConfig) { c.maxBytes = n }
}

// Decode reads r's body, one JSON value, into dst. Client mistakes are
// *apperr.Error values with a message naming what is wrong:
//   - UnsupportedMedia (415): Content-Type is not application/json (a
//     charset parameter other than utf-8 counts as wrong);
//   - TooLarge (413): the body exceeds the limit (DefaultMaxBodyBytes or
//     MaxBodyBytes), which the message states;
//   - Invalid (400): an empty body, a syntax error (with its byte offset), an
//     unknown field (`unknown field "foo"`), a value of the wrong type (with
//     the field and the expected JSON type), data after the value, the
//     error of a field's UnmarshalText (the ids types say which id is bad),
//     bytes that are not UTF-8, a key repeated in one object, or a field
//     name spelled in another case than its own (see checkKeys).
//
// Only a dst that json cannot decode into (a programming error) gives an
// Internal error.
func Decode(r *http.Request, dst any, opts ...DecodeOption) error {
	cfg := decodeConfig{maxBytes: DefaultMaxBodyBytes}
	for _, o := range opts {
		o(&cfg)
	}
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	tooLarge := apperr.E(apperr.TooLarge, "request body is larger than %d bytes", cfg.maxBytes)
	if r.ContentLength > cfg.maxBytes {
		return tooLarge
	}
	if r.Body == nil {
		return apperr.E(apperr.Invalid, "request body is empty: want a JSON value")
	}
	body, err := io.ReadAll(&limitedBody{r: r.Body, limit: cfg.maxBytes})
	if err != nil {
		if isTooLarge(err) {
			return tooLarge
		}
		return apperr.Wrap(err, apperr.Invalid, "request body could not be read")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, tooLarge)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.Wrap(err, apperr.Invalid, "request body holds data after its JSON value, which ends at byte %d", end)
	}
	if !utf8.Valid(body) {
		// encoding/json would turn the bad bytes into U+FFFD silently.
		return apperr.E(apperr.Invalid, "request body is not valid UTF-8 (JSON text must be): the bytes at %d are not", invalidUTF8At(body))
	}
	return checkKeys(body, reflect.TypeOf(dst))
}

// invalidUTF8At is the offset of the first byte of b that is not part of
// valid UTF-8.
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

func checkContentType(header string) error {
	if header == "" {
		return apperr.E(apperr.UnsupportedMedia, "Content-Type is missing: want application/json")
	}
	mediaType, params, err := mime.ParseMediaType(header)
	if err != nil || mediaType != "application/json" {
		return apperr.E(apperr.UnsupportedMedia, "Content-Type must be application/json")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return apperr.E(apperr.UnsupportedMedia, "Content-Type charset must be utf-8")
	}
	return nil
}

func decodeError(err, tooLarge error) error {
	var (
		syntax      *json.SyntaxError
		typeErr     *json.UnmarshalTypeError
		invalid     *json.InvalidUnmarshalError
		appErr      *apperr.Error
		unknownName string
	)
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		unknownName = rest
	}
	switch {
	case isTooLarge(err):
		return tooLarge
	case errors.Is(err, io.EOF):
		return apperr.E(apperr.Invalid, "request body is empty: want a JSON value")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apperr.Wrap(err, apperr.Invalid, "request body ends in the middle of its JSON value")
	case errors.As(err, &syntax):
		return apperr.Wrap(err, apperr.Invalid, "request body is not valid JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.As(err, &typeErr):
		want := jsonTypeName(typeErr.Type)
		if typeErr.Field == "" {
			return apperr.Wrap(err, apperr.Invalid, "request body must be a JSON %s, not %s", want, typeErr.Value)
		}
		return apperr.Wrap(err, apperr.Invalid, "field %q must be a JSON %s, not %s", typeErr.Field, want, typeErr.Value)
	case unknownName != "":
		return apperr.Wrap(err, apperr.Invalid, "unknown field %s", unknownName)
	case errors.As(err, &appErr):
		return appErr
	case errors.As(err, &invalid):
		return apperr.Wrap(err, apperr.Internal, "internal error: the request cannot be decoded")
	default:
		// A read error (the client went away) or a custom UnmarshalJSON error.
		return apperr.Wrap(err, apperr.Invalid, "request body could not be read as the expected JSON")
	}
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// jsonTypeName names the JSON type a Go type decodes from.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) || t.Implements(textUnmarshaler) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonTypeName(t.Elem())
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer (in range)"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "base64 string"
		}
		return "array"
	case reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	default:
		return "value"
	}
}

// errBodyTooLarge is what limitedBody returns past its limit.
var errBodyTooLarge = errors.New("request body too large")

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.Is(err, errBodyTooLarge) || errors.As(err, &mbe)
}

// limitedBody reads at most limit bytes of r and fails with errBodyTooLarge
// as soon as it sees one more.
type limitedBody struct {
	r     io.Reader
	n     int64
	limit int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.n > l.limit {
		return 0, errBodyTooLarge
	}
	if room := l.limit + 1 - l.n; int64(len(p)) > room {
		p = p[:room]
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	if l.n > l.limit {
		return k - int(l.n-l.limit), errBodyTooLarge
	}
	return k, err
}
