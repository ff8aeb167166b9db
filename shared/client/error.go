package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// Error is a non-2xx answer of a valet function: the HTTP status and the
// API's error code and message.
type Error struct {
	Status  int    // HTTP status
	Code    string // the API's code, e.g. "not_found"; "" when the body had none
	Message string // the API's message, or a summary of an unexpected body
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	}
	return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message)
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// decodeError reads a non-2xx response into an *Error. A body that is not
// the API's error shape (a proxy's HTML page, storage's XML) is summarised,
// cut short so a page never floods a terminal.
func decodeError(resp *http.Response) *Error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &body); err == nil && body.Error.Message != "" {
		return &Error{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message}
	}
	msg := strings.TrimSpace(string(b))
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return &Error{Status: resp.StatusCode, Message: msg}
}

// StatusOf is the HTTP status of err's *Error, or 0 when it has none.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// Advice is the next step a person should take after err, or "" when there
// is nothing better to say than the message itself.
func Advice(err error) string {
	var e *Error
	if errors.As(err, &e) {
		switch e.Status {
		case http.StatusUnauthorized:
			return "log in again (`valet login`, on the local stack `valet login --dev <you>`), or check --token / VALET_TOKEN: it may have expired"
		case http.StatusForbidden:
			return "your credential may see this but not do it: use a token with the needed scope (jobs:write to submit or cancel) or ask a project owner for the editor role"
		case http.StatusNotFound:
			return "check the id: you see only your own resources and those of your projects"
		case http.StatusConflict:
			return "the resource's state does not allow this yet: look at it (`valet jobs get ID`) and retry when it has moved on"
		case http.StatusGone:
			return "the job is final: submit it again if you need it to run"
		case http.StatusRequestEntityTooLarge:
			return "the upload is over the limit: make the directory smaller"
		case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
			return "the service is busy or a backend is down: retry in a moment"
		case http.StatusInternalServerError:
			return "retry; if it happens again report it with the time and the job id"
		case http.StatusPreconditionFailed:
			return "the object already exists: signed upload URLs create once, request a new job or upload"
		}
		return ""
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) {
		return "cannot reach valet: is the stack running (`make dev`) and is the URL right?"
	}
	return ""
}
