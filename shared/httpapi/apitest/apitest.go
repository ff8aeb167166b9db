// Package apitest is what tests of valet's HTTP functions share: one call
// helper that sends a JSON body with a bearer token and records the
// answer, and the checks of that answer (Decode, RequireError).
package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
)

// Response is a recorded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends method base+path with body (a string is sent as is, anything
// else as JSON, nil as no body) and the bearer token unless it is empty.
func Do(t testing.TB, base, token, method, path string, body any) Response {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return Send(t, method, base+path, body, h)
}

// DoAs is Do for tests that name their caller in PrincipalHeader
// (principal "" sends none).
func DoAs(t testing.TB, base, principal, method, path string, body any) Response {
	t.Helper()
	h := http.Header{}
	if principal != "" {
		h.Set(PrincipalHeader, principal)
	}
	return Send(t, method, base+path, body, h)
}

// client bounds every request of a test, so that a handler that never
// answers fails the test with the request named instead of hanging the
// package until go test's own timeout.
var client = &http.Client{Timeout: 2 * time.Minute}

// Send sends method url with body (a string as is, anything else as JSON,
// nil as none) and the headers, and records the answer.
func Send(t testing.TB, method, url string, body any, header http.Header) Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, ok := body.(string)
		if !ok {
			b, err := json.Marshal(body)
			require.NoError(t, err)
			raw = string(b)
		}
		rd = strings.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Decode checks r's status and reads its JSON body into v.
func (r Response) Decode(t testing.TB, status int, v any) {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// RequireError checks r is an ErrorBody answer with status, code (any
// when "") and a message containing want, and returns its detail.
func (r Response) RequireError(t testing.TB, status int, code apperr.Code, want string) httpapi.ErrorDetail {
	t.Helper()
	var body httpapi.ErrorBody
	r.Decode(t, status, &body)
	require.NotEmpty(t, body.Error.Code, "body: %s", r.Body)
	require.NotEmpty(t, body.Error.Message, "body: %s", r.Body)
	if code != "" {
		require.Equal(t, code, body.Error.Code, "body: %s", r.Body)
	}
	require.Contains(t, body.Error.Message, want, "body: %s", r.Body)
	return body.Error
}

// Caller is who a test request comes from: the principal's id and its
// bearer token ("" sends none).
type Caller struct {
	ID, Token string
}

// Do sends method base+path with body as c (see Do).
func (c Caller) Do(t testing.TB, base, method, path string, body any) Response {
	t.Helper()
	return Do(t, base, c.Token, method, path, body)
}
