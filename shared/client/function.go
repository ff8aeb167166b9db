package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Health is a function's answer to GET /healthz.
type Health struct {
	Status   string `json:"status"`
	Function string `json:"function"`
	Version  string `json:"version"`
}

// Health asks the named function's /healthz (no credential needed on a
// public function).
func (c *Client) Health(ctx context.Context, function string) (Health, error) {
	var h Health
	base := c.URL(function)
	if base == "" {
		return h, fmt.Errorf("no URL for the %s function", function)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/healthz", nil)
	if err != nil {
		return h, fmt.Errorf("bad URL for the %s function: %w", function, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return h, decodeError(resp)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&h); err != nil || h.Function == "" {
		return h, fmt.Errorf("%s/healthz is not a valet function's health answer", base)
	}
	return h, nil
}

// OpenAPI fetches the named function's OpenAPI document, the part of
// valet's that describes its routes (GET /openapi.json, no credential
// needed on a public function).
func (c *Client) OpenAPI(ctx context.Context, function string) (map[string]any, error) {
	var doc map[string]any
	_, err := c.call(ctx, http.MethodGet, function, "/openapi.json", nil, &doc)
	return doc, err
}

// WrongFunctionError says the URL configured for one function serves
// another one (or no valet function at all): the usual cause of a 404
// "no such route" after a copy-paste of URLs.
type WrongFunctionError struct {
	Want string // the function the call was meant for
	Got  string // the function that answered; "" when none did
	URL  string // the configured base URL
	Err  error  // the original answer
}

func (e *WrongFunctionError) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("%s does not answer like valet's %s function (no valet /healthz there): %v", e.URL, e.Want, e.Err)
	}
	return fmt.Sprintf("%s is valet's %s function, not the %s function: %v", e.URL, e.Got, e.Want, e.Err)
}

func (e *WrongFunctionError) Unwrap() error { return e.Err }

// routeMissing reports whether err is the kind of answer a URL pointing
// at the wrong function gives: no such route, a wrong method, or a 404
// that is not the API's JSON.
func routeMissing(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Status {
	case http.StatusMethodNotAllowed:
		return true
	case http.StatusNotFound:
		return e.Code == "" || strings.HasPrefix(e.Message, "no such route")
	}
	return false
}

// checkFunction asks the function's /healthz which function the URL is; it
// returns a *WrongFunctionError wrapping orig when it is not function, else
// nil.
func (c *Client) checkFunction(ctx context.Context, function string, orig error) error {
	h, err := c.Health(ctx, function)
	if err == nil && h.Function == function {
		return nil
	}
	return &WrongFunctionError{Want: function, Got: h.Function, URL: c.URL(function), Err: orig}
}
