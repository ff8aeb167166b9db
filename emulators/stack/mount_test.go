package stack_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/httpapi"
)

// TestMountNotFoundIsJSONForAnyPath: the dev server's 404 for a path no
// function is mounted at is a valid ErrorBody whatever the path holds, as
// sent on the wire (percent-encoded, so the decoded path carries the raw
// bytes).
func TestMountNotFoundIsJSONForAnyPath(t *testing.T) {
	srv := httptest.NewServer(stack.Mount(map[string]http.Handler{}))
	t.Cleanup(srv.Close)
	for _, path := range []string{
		"/nothing",
		`/quote%22here`,
		`/back%5Cslash%5C`,
		`/%22%7D%2C%22x%22%3A%7B`, // "},"x":{
		"/ctrl%00%01%1F%7F",
		"/newline%0Aand%0Dreturn",
		"/bad%FFutf8%C3",
		"/sep%E2%80%A8%E2%80%AE",
		"/" + strings.Repeat("%22", 500),
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		require.NoError(t, err)
		_, err = io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, path)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		_ = conn.Close()
		require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s: %s", path, body)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"), path)
		require.True(t, json.Valid(body), "%s answered invalid JSON: %q", path, body)
		var e httpapi.ErrorBody
		require.NoError(t, json.Unmarshal(body, &e))
		require.Equal(t, "not_found", string(e.Error.Code), path)
		require.Contains(t, e.Error.Message, "mounted at", path)
	}
}
