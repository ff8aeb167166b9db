package signer

import (
	"net/http"
	"net/url"
	"time"
)

// DownloadOptions binds a download URL.
type DownloadOptions struct {
	// TTL is how long the URL works: whole seconds, at most MaxTTL.
	TTL time.Duration
	// ContentDisposition, optional, is the Content-Disposition Cloud Storage
	// answers with (response-content-disposition), e.g.
	// `attachment; filename="out.tar"`.
	ContentDisposition string
	// ContentType, optional, overrides the stored Content-Type in the
	// response (response-content-type).
	ContentType string
}

// Download signs a GET of object in bucket; the client sends no extra
// header. Errors: apperr.Invalid for bad options or object names, a plain
// error for a bad bucket or a signing failure.
func (s *Signer) Download(bucket, object string, o DownloadOptions) (URL, error) {
	if err := checkTarget(bucket, object, o.TTL); err != nil {
		return URL{}, err
	}
	query := url.Values{}
	if o.ContentDisposition != "" {
		disposition, err := checkMediaType("content disposition", o.ContentDisposition, false)
		if err != nil {
			return URL{}, err
		}
		query.Set("response-content-disposition", disposition)
	}
	if o.ContentType != "" {
		contentType, err := checkMediaType("content type", o.ContentType, true)
		if err != nil {
			return URL{}, err
		}
		query.Set("response-content-type", contentType)
	}
	return s.signURL(request{
		method: http.MethodGet,
		bucket: bucket,
		object: object,
		query:  query,
		ttl:    o.TTL,
	})
}
