// Package apitest is what tests of valet's HTTP functions share: one call
// helper that sends a JSON body with a bearer token and records the answer.
package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

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
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
