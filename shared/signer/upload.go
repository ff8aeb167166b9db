package signer

import (
	"net/http"
	"strconv"
	"time"

	"valet.dev/valet/shared/mediatype"
)

// The headers an upload URL binds, as the client must send them.
const (
	HeaderContentType = "Content-Type"
	HeaderContentMD5  = "Content-MD5"
	HeaderLengthRange = "x-goog-content-length-range"
	// HeaderIfGenerationMatch "0" makes Cloud Storage refuse the write when
	// the object already exists (412).
	HeaderIfGenerationMatch = "x-goog-if-generation-match"
)

// UploadOptions binds an upload URL.
type UploadOptions struct {
	// ContentType is the media type the client must send. Required.
	ContentType string
	// MinBytes and MaxBytes bound the body: Cloud Storage refuses a body
	// outside [MinBytes, MaxBytes] (x-goog-content-length-range).
	MinBytes, MaxBytes int64
	// MD5 is the base64 of the body's 16-byte MD5; optional. When set the
	// client must send it as Content-MD5 and Cloud Storage checks the body.
	MD5 string
	// TTL is how long the URL works: whole seconds, at most MaxTTL.
	TTL time.Duration
	// CreateOnly binds x-goog-if-generation-match: 0, so the URL can create
	// the object but never overwrite it: replaying it after a successful
	// upload gets 412 from Cloud Storage.
	CreateOnly bool
}

// Upload signs a PUT of object in bucket. The URL is bound to the content
// type, the size range and, when given, the MD5; URL.Headers holds exactly
// the headers the client must send with the body. Errors: apperr.Invalid for
// bad options or object names, a plain error for a bad bucket or a signing
// failure.
func (s *Signer) Upload(bucket, object string, o UploadOptions) (URL, error) {
	if err := checkTarget(bucket, object, o.TTL); err != nil {
		return URL{}, err
	}
	contentType, err := checkMediaType("content type", o.ContentType, true)
	if err != nil {
		return URL{}, err
	}
	if err := checkSizeRange(o.MinBytes, o.MaxBytes); err != nil {
		return URL{}, err
	}
	if err := mediatype.CheckMD5("the MD5", o.MD5); err != nil {
		return URL{}, err
	}

	headers := map[string]string{
		HeaderContentType: contentType,
		HeaderLengthRange: strconv.FormatInt(o.MinBytes, 10) + "," + strconv.FormatInt(o.MaxBytes, 10),
	}
	if o.MD5 != "" {
		headers[HeaderContentMD5] = o.MD5
	}
	if o.CreateOnly {
		headers[HeaderIfGenerationMatch] = "0"
	}
	return s.signURL(request{
		method:  http.MethodPut,
		bucket:  bucket,
		object:  object,
		headers: headers,
		ttl:     o.TTL,
	})
}
