// Package apperr is valet's one error type: a frozen code callers can act on,
// a message written for the caller, and a cause kept for operators. Errors
// are wrapped into an *Error once, at the layer that knows what went wrong;
// httpapi maps the code to an HTTP status with Status, writes code and
// message to the caller and sends the cause only to the log.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Code is a frozen, machine-readable error code.
type Code string

// The codes, and the HTTP status each maps to (see Status).
const (
	Invalid           Code = "invalid_argument"   // 400: the request is malformed or names something badly
	Unauthenticated   Code = "unauthenticated"    // 401: no valid credential
	PermissionDenied  Code = "permission_denied"  // 403: the caller may see this but not do that
	NotFound          Code = "not_found"          // 404: absent, or the caller may not know it exists
	MethodNotAllowed  Code = "method_not_allowed" // 405
	Conflict          Code = "conflict"           // 409: the resource is not in a state that allows this (stale epoch, not yet present)
	Gone              Code = "gone"               // 410: existed, never again (final job's secrets, single-use bundle)
	TooLarge          Code = "too_large"          // 413: body, object or quota too large
	UnsupportedMedia  Code = "unsupported_media"  // 415: wrong Content-Type
	ResourceExhausted Code = "resource_exhausted" // 429: rate or contention limits; retry later
	Internal          Code = "internal"           // 500: a bug or a backend failure the caller cannot fix
	Unavailable       Code = "unavailable"        // 503: a backend is down; retry later
)

var statuses = map[Code]int{
	Invalid:           http.StatusBadRequest,
	Unauthenticated:   http.StatusUnauthorized,
	PermissionDenied:  http.StatusForbidden,
	NotFound:          http.StatusNotFound,
	MethodNotAllowed:  http.StatusMethodNotAllowed,
	Conflict:          http.StatusConflict,
	Gone:              http.StatusGone,
	TooLarge:          http.StatusRequestEntityTooLarge,
	UnsupportedMedia:  http.StatusUnsupportedMediaType,
	ResourceExhausted: http.StatusTooManyRequests,
	Internal:          http.StatusInternalServerError,
	Unavailable:       http.StatusServiceUnavailable,
}

// Status is the HTTP status for code; unknown codes are 500.
func Status(code Code) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is valet's error: Code and Message go to the caller, Cause only to
// the operator's log. RetryAfter, when set, tells the caller how long to
// wait before retrying (httpapi sends it as Retry-After).
type Error struct {
	Code       Code
	Message    string
	Cause      error
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// E builds an error with a message for the caller.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an error that keeps cause for the log. If cause already is an
// *Error it is returned as is, so errors are wrapped once.
func Wrap(cause error, code Code, format string, args ...any) error {
	var ae *Error
	if errors.As(cause, &ae) {
		return cause
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Cause: cause}
}

// CodeOf returns the code of err, Internal for errors that are not *Error
// and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return Internal
}

// From returns err as an *Error, turning foreign errors into Internal with a
// generic message (their text is a cause, never shown to callers).
func From(err error) *Error {
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	return &Error{Code: Internal, Message: "internal error; retry later, and report it if it persists", Cause: err}
}
