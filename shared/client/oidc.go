package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Discovery is the part of an OpenID provider's metadata a client logging
// in needs.
type Discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
}

// Discover reads {issuer}/.well-known/openid-configuration (OpenID Connect
// Discovery 1.0, section 4) and checks that it names the same issuer
// (section 4.3) and both endpoints.
func Discover(ctx context.Context, issuer string) (Discovery, error) {
	var d Discovery
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return d, fmt.Errorf("bad issuer URL %q", issuer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return d, fmt.Errorf("reach the issuer %s: %w", issuer, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return d, fmt.Errorf("the issuer %s has no OpenID configuration (%d): is the issuer URL right?", issuer, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return d, fmt.Errorf("the issuer's OpenID configuration is not JSON")
	}
	if strings.TrimSuffix(d.Issuer, "/") != strings.TrimSuffix(issuer, "/") || d.AuthorizationEndpoint == "" || d.TokenEndpoint == "" {
		return d, fmt.Errorf("the OpenID configuration at %s names issuer %q or lacks an endpoint: refusing it", issuer, d.Issuer)
	}
	return d, nil
}

// TokenResponse is an OAuth token endpoint's answer (RFC 6749 section 5.1,
// OpenID Connect Core section 3.1.3.3). Its tokens are secrets.
type TokenResponse struct {
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// ExchangeToken posts form (an authorization_code or refresh_token grant)
// to an issuer's token endpoint and returns its answer, which must carry
// an ID token. Errors carry the OAuth error, never a token.
func ExchangeToken(ctx context.Context, tokenURL string, form url.Values) (TokenResponse, error) {
	var tr TokenResponse
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return tr, fmt.Errorf("bad token endpoint %q", tokenURL)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return tr, fmt.Errorf("reach the issuer's token endpoint: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tr); err != nil {
		return TokenResponse{}, fmt.Errorf("the issuer's token endpoint answered %d without JSON", resp.StatusCode)
	}
	if tr.Error != "" || resp.StatusCode != http.StatusOK {
		return TokenResponse{}, fmt.Errorf("the issuer refused: %s %s", tr.Error, tr.Description)
	}
	if tr.IDToken == "" {
		return TokenResponse{}, errors.New("the issuer answered without an id_token (does the client ask for the openid scope?)")
	}
	return tr, nil
}
