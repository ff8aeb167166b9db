package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"valet.dev/valet/shared/apperr"
)

// ErrorBody is the JSON every error response carries:
// {"error":{"code":"...","message":"..."}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the code and the message written for the caller.
type ErrorDetail struct {
	Code    apperr.Code `json:"code"`
	Message string      `json:"message"`
}

// RetryAfterSeconds is the Retry-After of 503 and 429 answers (a backend
// that did not answer in time, contention): how long a client should
// wait before it retries, in seconds (RFC 9110, section 10.2.3).
const RetryAfterSeconds = "5"

// genericInternal is what callers see of errors that are not *apperr.Error.
const genericInternal = "internal error; retry later, and report it if it persists"

// WriteError answers r with err: the status apperr.Status gives for its
// code and an ErrorBody with its code and message. The cause goes only to
// the log (the logger of r's context, see LoggerFrom), at ERROR for 5xx,
// WARNING for 401, 403 and 429 and INFO for other 4xx. An error with a
// RetryAfter is answered with that Retry-After, in whole seconds rounded
// up; other 503 and 429 answers carry Retry-After (RetryAfterSeconds)
// unless the handler set one. Errors that are not *apperr.Error, and codes
// apperr does not know, become 500 "internal" with a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.From(err)
	code, message := e.Code, e.Message
	status := apperr.Status(code)
	if status == http.StatusInternalServerError && code != apperr.Internal {
		code, message = apperr.Internal, genericInternal
	}

	ctx := context.Background()
	attrs := []slog.Attr{slog.String("code", string(code)), slog.Int("status", status), slog.String("reply", message)}
	if r != nil {
		ctx = r.Context()
		attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path))
	}
	if e.Cause != nil {
		attrs = append(attrs, slog.Any("cause", e.Cause))
	} else if err != nil && err != error(e) {
		attrs = append(attrs, slog.Any("cause", err))
	}
	LoggerFrom(ctx).LogAttrs(ctx, errorLevel(status), "request failed", attrs...)

	switch {
	case e.RetryAfter > 0:
		w.Header().Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	case status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests:
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", RetryAfterSeconds)
		}
	}
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: message}})
}

func errorLevel(status int) slog.Level {
	switch {
	case status >= 500:
		return slog.LevelError
	case status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusTooManyRequests:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}

// WriteJSON answers with status and v as JSON. Responses are marked
// no-store, since many carry signed URLs or once-shown tokens. A value that
// cannot be marshalled is a bug: the caller gets a 500 ErrorBody instead.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		slog.Error("response cannot be marshalled", "error", err)
		status = http.StatusInternalServerError
		body, _ = json.Marshal(ErrorBody{Error: ErrorDetail{Code: apperr.Internal, Message: genericInternal}})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	h.Del("Content-Length")
	w.WriteHeader(status)
	if status == http.StatusNoContent || status == http.StatusNotModified {
		return
	}
	_, _ = w.Write(append(body, '\n'))
}
