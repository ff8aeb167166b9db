// Package mediatype checks what clients declare about the bytes they will
// upload (a signed URL binds it): the media type, printable ASCII of the
// form type/subtype with optional parameters, at most MaxLen bytes; and the
// MD5, the standard base64 of 16 bytes.
package mediatype

import (
	"encoding/base64"
	"mime"
	"strings"

	"valet.dev/valet/shared/apperr"
)

// MaxLen bounds a declared media type, in bytes.
const MaxLen = 256

// Check accepts v as the media type of field (named in messages, e.g.
// "workspace.contentType"); example is a valid value to suggest.
func Check(field, v, example string) error {
	bad := apperr.E(apperr.Invalid, "%s must be a media type such as %s", field, example)
	if len(v) > MaxLen {
		return apperr.E(apperr.Invalid, "%s is longer than %d bytes", field, MaxLen)
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; c > 0x7e || (c < 0x20 && c != '\t') {
			return bad
		}
	}
	base, _, err := mime.ParseMediaType(v)
	if err != nil {
		return bad
	}
	typ, sub, ok := strings.Cut(base, "/")
	if !ok || typ == "" || sub == "" || strings.Contains(sub, "/") {
		return bad
	}
	return nil
}

// CheckMD5 accepts v as the MD5 of field (named in messages, e.g.
// "workspace.md5"): "" (none declared) or the standard, padded base64 of
// 16 bytes, as GCS reports md5Hash.
func CheckMD5(field, v string) error {
	if v == "" {
		return nil
	}
	sum, err := base64.StdEncoding.Strict().DecodeString(v)
	if err != nil || len(sum) != 16 {
		return apperr.E(apperr.Invalid, "%s must be the standard base64 of 16 bytes (as `gsutil hash -m` prints it)", field)
	}
	return nil
}
