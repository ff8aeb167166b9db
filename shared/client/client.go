package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Client calls valet's functions with one bearer token. The zero HTTP uses
// http.DefaultClient. A Client is safe for concurrent use once built.
type Client struct {
	JobsURL     string // base URL of the jobs function, e.g. http://127.0.0.1:8080/jobs
	DispatchURL string // base URL of the dispatch function
	Token       string // bearer credential for the function; never logged nor put in errors
	// FrontDoorToken, when set, is the ID token for Cloud Run's front door
	// of a private function (dispatch), sent in X-Serverless-Authorization:
	// Cloud Run checks that header, strips its signature, and leaves
	// Authorization (Token) for the function to verify itself
	// (docs/operations.md, "Calling private functions"). It may be the
	// same token as Token.
	FrontDoorToken string
	HTTP           *http.Client
}

// serverlessAuthorization is the header Cloud Run's front door checks
// before Authorization (identity.ServerlessAuthorization; not imported, to
// keep the verifiers out of the CLI).
const serverlessAuthorization = "X-Serverless-Authorization"

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// call sends body (JSON, when not nil) to base+path with the bearer token
// and decodes a 2xx answer into out (when not nil). It returns the status;
// a non-2xx status is an *Error.
func (c *Client) call(ctx context.Context, method, base, path string, body, out any) (int, error) {
	if base == "" {
		return 0, fmt.Errorf("no URL for %s %s: pass the function's URL or a stack file", method, path)
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.FrontDoorToken != "" {
		req.Header.Set(serverlessAuthorization, "Bearer "+c.FrontDoorToken)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, decodeError(resp)
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: unreadable answer: %w", method, path, err)
		}
	}
	return resp.StatusCode, nil
}
