// Package apitest is what tests of valet's HTTP functions share: one call
// helper that sends a JSON body with a bearer token and records the answer.
package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
