package signer

import (
	"fmt"
	"mime"
	"strings"
	"time"
	"unicode/utf8"

	"valet.dev/valet/shared/apperr"
)

const (
	maxObjectNameBytes = 1024 // Cloud Storage's limit
	maxMediaTypeBytes  = 256
)

// checkBucket accepts Cloud Storage bucket names: 3 to 222 characters of
// a-z 0-9 - _ ., starting and ending with a letter or digit. A bad bucket is
// a configuration bug, so the error is plain.
func checkBucket(bucket string) error {
	if len(bucket) < 3 || len(bucket) > 222 {
		return fmt.Errorf("signer: bucket name %q must be 3 to 222 characters", bucket)
	}
	for i := 0; i < len(bucket); i++ {
		c := bucket[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || i == len(bucket)-1 || c != '-' && c != '_' && c != '.') {
			return fmt.Errorf("signer: bucket name %q is not a Cloud Storage bucket name", bucket)
		}
	}
	return nil
}

// checkObject accepts Cloud Storage object names: 1 to 1024 bytes of UTF-8
// without control characters, not "." or "..".
func checkObject(object string) error {
	switch {
	case object == "":
		return apperr.E(apperr.Invalid, "the object name is empty")
	case len(object) > maxObjectNameBytes:
		return apperr.E(apperr.Invalid, "the object name is longer than %d bytes", maxObjectNameBytes)
	case !utf8.ValidString(object):
		return apperr.E(apperr.Invalid, "the object name is not valid UTF-8")
	case object == "." || object == "..":
		return apperr.E(apperr.Invalid, "the object name must not be %q", object)
	case strings.IndexFunc(object, isControl) >= 0:
		return apperr.E(apperr.Invalid, "the object name holds a control character")
	}
	return nil
}

// checkTTL accepts 1 s to MaxTTL; fractions of a second are dropped when
// signing.
func checkTTL(ttl time.Duration) error {
	if ttl < time.Second {
		return apperr.E(apperr.Invalid, "the signed URL lifetime must be at least 1 second, got %s", ttl)
	}
	if ttl > MaxTTL {
		return apperr.E(apperr.Invalid, "the signed URL lifetime must be at most 7 days (604800 s), got %s", ttl)
	}
	return nil
}

// checkMediaType parses v (a media type, or with isType false a
// Content-Disposition) and returns it with whitespace collapsed, as it is
// signed and must be sent.
func checkMediaType(what, v string, isType bool) (string, error) {
	if strings.TrimSpace(v) == "" {
		return "", apperr.E(apperr.Invalid, "the %s is required", what)
	}
	if len(v) > maxMediaTypeBytes {
		return "", apperr.E(apperr.Invalid, "the %s is longer than %d bytes", what, maxMediaTypeBytes)
	}
	for _, r := range v {
		if r > 0x7e || (r < 0x20 && r != '\t') {
			return "", apperr.E(apperr.Invalid, "the %s must be printable ASCII", what)
		}
	}
	base, _, err := mime.ParseMediaType(v)
	if err != nil {
		return "", apperr.E(apperr.Invalid, "the %s %q is not valid: %v", what, v, err)
	}
	if isType {
		typ, sub, ok := strings.Cut(base, "/")
		if !ok || typ == "" || sub == "" || strings.Contains(sub, "/") {
			return "", apperr.E(apperr.Invalid, "the %s %q is not of the form type/subtype", what, v)
		}
	}
	return canonicalHeaderValue(v), nil
}

// checkSizeRange accepts 0 <= min <= max.
func checkSizeRange(minBytes, maxBytes int64) error {
	if minBytes < 0 || maxBytes < 0 {
		return apperr.E(apperr.Invalid, "sizes must not be negative (got %d,%d)", minBytes, maxBytes)
	}
	if maxBytes < minBytes {
		return apperr.E(apperr.Invalid, "the maximum size %d is below the minimum %d", maxBytes, minBytes)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// checkTarget checks what every signed URL names: its bucket, its object
// and its lifetime.
func checkTarget(bucket, object string, ttl time.Duration) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	if err := checkObject(object); err != nil {
		return err
	}
	return checkTTL(ttl)
}
