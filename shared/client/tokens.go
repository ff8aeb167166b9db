package client

import (
	"context"
	"net/http"
	"net/url"

	"valet.dev/valet/shared/apitoken"
)

// CreateTokenRequest is the body of POST /tokens.
type CreateTokenRequest struct {
	Name             string   `json:"name"`
	Scopes           []string `json:"scopes"`
	ExpiresInSeconds int64    `json:"expiresInSeconds,omitempty"`
}

// NewToken is the answer of POST /tokens: the only one that carries the
// token's value. Token is a secret: print it once, never log it.
type NewToken = apitoken.Shown

// TokenInfo is an API token as GET /tokens lists it, without its value.
type TokenInfo = apitoken.Info

// CreateToken creates an API token (POST /tokens).
func (c *Client) CreateToken(ctx context.Context, req CreateTokenRequest) (NewToken, error) {
	var out NewToken
	_, err := c.call(ctx, http.MethodPost, Tokens, "/tokens", req, &out)
	return out, err
}

// ListTokens lists the caller's API tokens (GET /tokens).
func (c *Client) ListTokens(ctx context.Context) ([]TokenInfo, error) {
	var out struct {
		Tokens []TokenInfo `json:"tokens"`
	}
	_, err := c.call(ctx, http.MethodGet, Tokens, "/tokens", nil, &out)
	return out.Tokens, err
}

// RevokeToken revokes an API token and every token it minted (DELETE /tokens/{id}).
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	_, err := c.call(ctx, http.MethodDelete, Tokens, "/tokens/"+url.PathEscape(id), nil, nil)
	return err
}

// JWKS fetches the tokens function's public keys for workflow tokens (GET
// /.well-known/jwks.json, no credential).
func (c *Client) JWKS(ctx context.Context) (map[string]any, error) {
	var out map[string]any
	_, err := c.call(ctx, http.MethodGet, Tokens, "/.well-known/jwks.json", nil, &out)
	return out, err
}
