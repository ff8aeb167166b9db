package gate

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
)

// The XML error codes the gate answers with, as Cloud Storage names them.
const (
	CodeAccessDenied            = "AccessDenied"            // 403: no signature, unknown signer, not yet valid
	CodeSignatureDoesNotMatch   = "SignatureDoesNotMatch"   // 403: the canonical request differs from the signed one
	CodeExpiredToken            = "ExpiredToken"            // 400: at or after X-Goog-Date + X-Goog-Expires
	CodeMalformedSecurityHeader = "MalformedSecurityHeader" // 400: an X-Goog-* parameter is missing or malformed
	CodeInvalidArgument         = "InvalidArgument"         // 400: expiry above 7 days, unsupported request shape
	CodeEntityTooLarge          = "EntityTooLarge"          // 400: body above x-goog-content-length-range
	CodeEntityTooSmall          = "EntityTooSmall"          // 400: body below x-goog-content-length-range
	CodeBadDigest               = "BadDigest"               // 400: Content-MD5 or x-goog-content-sha256 differs from the body
	CodeInvalidDigest           = "InvalidDigest"           // 400: Content-MD5 is not a base64 MD5
)

// Error is a refusal, written to the caller as Cloud Storage's XML error
// document. It never carries the signature or any key material.
type Error struct {
	Status  int    // HTTP status
	Code    string // one of the Code* constants
	Message string // Cloud Storage's message for Code
	Details string // what exactly was wrong

	// Set on SignatureDoesNotMatch, as Cloud Storage does, to help the
	// signer find its mistake. Neither contains the signature.
	StringToSign     string
	CanonicalRequest string
}

func (e *Error) Error() string {
	if e.Details == "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", e.Code, e.Message, e.Details)
}

// ErrorCode is the Code of err when it is (or wraps) an *Error, "" otherwise.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func accessDenied(details string, args ...any) *Error {
	return &Error{Status: http.StatusForbidden, Code: CodeAccessDenied, Message: "Access denied.", Details: fmt.Sprintf(details, args...)}
}

func malformed(details string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeMalformedSecurityHeader, Message: "Your request has a malformed header.", Details: fmt.Sprintf(details, args...)}
}

func invalidArgument(details string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidArgument, Message: "Invalid argument.", Details: fmt.Sprintf(details, args...)}
}

func expired(details string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeExpiredToken, Message: "Invalid argument.", Details: fmt.Sprintf(details, args...)}
}

func bodyError(code, message, details string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: message, Details: fmt.Sprintf(details, args...)}
}

func tooLarge(details string, args ...any) *Error {
	return bodyError(CodeEntityTooLarge, "Your proposed upload is larger than the maximum object size specified in your Policy Document.", details, args...)
}

const signatureMismatchMessage = "The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method."

// xmlError is the document Cloud Storage's XML API answers errors with.
type xmlError struct {
	XMLName          xml.Name `xml:"Error"`
	Code             string   `xml:"Code"`
	Message          string   `xml:"Message"`
	Details          string   `xml:"Details,omitempty"`
	StringToSign     string   `xml:"StringToSign,omitempty"`
	CanonicalRequest string   `xml:"CanonicalRequest,omitempty"`
}

// writeError answers err as Cloud Storage would; anything that is not an
// *Error is a 500 with no detail.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: "We encountered an internal error. Please try again."}
	}
	doc, mErr := xml.Marshal(xmlError{Code: e.Code, Message: e.Message, Details: e.Details, StringToSign: e.StringToSign, CanonicalRequest: e.CanonicalRequest})
	if mErr != nil {
		doc = []byte("<Error><Code>InternalError</Code></Error>")
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml; charset=UTF-8")
	h.Set("Cache-Control", "private, max-age=0")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(e.Status)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write([]byte("<?xml version='1.0' encoding='UTF-8'?>"))
	_, _ = w.Write(doc)
}
