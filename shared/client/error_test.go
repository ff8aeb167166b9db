package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func response(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body))}
}

func TestDecodeError(t *testing.T) {
	for name, tc := range map[string]struct {
		status int
		body   string
		want   Error
	}{
		"the API's shape":  {404, `{"error":{"code":"not_found","message":"job j_1 not found"}}`, Error{404, "not_found", "job j_1 not found"}},
		"storage's XML":    {403, `<Error><Code>SignatureDoesNotMatch</Code></Error>`, Error{403, "", `<Error><Code>SignatureDoesNotMatch</Code></Error>`}},
		"empty body":       {503, ``, Error{503, "", "Service Unavailable"}},
		"long HTML is cut": {502, strings.Repeat("x", 500), Error{502, "", strings.Repeat("x", 200) + "…"}},
	} {
		t.Run(name, func(t *testing.T) {
			got := decodeError(response(tc.status, tc.body))
			require.Equal(t, tc.want, *got)
		})
	}
}

func TestErrorKeepsStatusAndMessage(t *testing.T) {
	err := fmt.Errorf("create the job: %w", &Error{Status: 409, Code: "conflict", Message: "output not yet present"})
	require.Equal(t, 409, StatusOf(err))
	require.Equal(t, "create the job: conflict (409): output not yet present", err.Error())
	require.Zero(t, StatusOf(errors.New("plain")))
}

func TestAdviceSaysWhatToDoNext(t *testing.T) {
	for status, want := range map[int]string{
		401: "valet login --dev",
		403: "jobs:write",
		404: "check the id",
		409: "valet jobs get",
		429: "retry",
		500: "report it",
	} {
		require.Contains(t, Advice(&Error{Status: status}), want, status)
	}
	require.Contains(t, Advice(&net.OpError{Op: "dial", Err: errors.New("refused")}), "make dev")
	require.Empty(t, Advice(errors.New("something else")))
	_, statErr := os.Stat("/nonexistent/stack.json")
	require.Empty(t, Advice(statErr), "a missing file is not a network problem")
}
