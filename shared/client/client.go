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
	ObjectsURL  string // base URL of the objects function (spaces, projects, objects)
	TokensURL   string // base URL of the tokens function
	SweepURL    string // base URL of the sweep function (private: the scheduler's)
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

// Function names, as each function's /healthz names itself.
const (
	Jobs     = "jobs"
	Dispatch = "dispatch"
	Objects  = "objects"
	Tokens   = "tokens"
	Sweep    = "sweep"
)

// URL is the base URL of the named function ("" when not set).
func (c *Client) URL(function string) string {
	switch function {
	case Jobs:
		return c.JobsURL
	case Dispatch:
		return c.DispatchURL
	case Objects:
		return c.ObjectsURL
	case Tokens:
		return c.TokensURL
	case Sweep:
		return c.SweepURL
	}
	return ""
}

// call sends body (JSON, when not nil) to the function's base URL + path
// with the bearer token and decodes a 2xx answer into out (when not nil).
// It returns the status; a non-2xx status is an *Error, or a
// *WrongFunctionError when the URL turns out to serve another function.
func (c *Client) call(ctx context.Context, method, function, path string, body, out any) (int, error) {
	status, err := c.send(ctx, method, function, path, body, out)
	if err != nil && routeMissing(err) {
		if wrong := c.checkFunction(ctx, function, err); wrong != nil {
			return status, wrong
		}
	}
	return status, err
}

func (c *Client) send(ctx context.Context, method, function, path string, body, out any) (int, error) {
	base := c.URL(function)
	if base == "" {
		return 0, fmt.Errorf("no URL for the %s function (%s %s): set it in the profile (`valet config set %s-url URL` or `valet config set url BASE`), pass --%s-url, or use the local stack with --dev", function, method, path, function, function)
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
