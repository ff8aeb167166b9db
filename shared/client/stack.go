package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

// DefaultStackPath is where `make dev` writes the local stack description;
// the VALET_STACK environment variable overrides it.
const DefaultStackPath = ".dev/stack.json"

// Stack is the part of .dev/stack.json (docs/local-stack.md) the CLI and the
// worker need. It mirrors emulators/stack.Info without importing the
// emulators into the binaries.
type Stack struct {
	Functions   map[string]string `json:"functions"` // function name → base URL
	Issuer      string            `json:"issuer"`    // dev OIDC issuer
	Audience    string            `json:"audience"`  // aud of user tokens
	Dispatchers []string          `json:"dispatchers"`
}

// StackPath is path, else $VALET_STACK, else DefaultStackPath.
func StackPath(path string) string {
	if path != "" {
		return path
	}
	if p := os.Getenv("VALET_STACK"); p != "" {
		return p
	}
	return DefaultStackPath
}

// LoadStack reads the stack description at StackPath(path).
func LoadStack(path string) (Stack, error) {
	path = StackPath(path)
	var s Stack
	b, err := os.ReadFile(path)
	if err != nil {
		return s, fmt.Errorf("read %s: %w (start the local stack with `make dev`, or point VALET_STACK at its stack.json)", path, err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("parse %s: %w (it should be the file `make dev` writes)", path, err)
	}
	return s, nil
}

// Function is the base URL of the named function, or an error saying the
// stack file lacks it.
func (s Stack) Function(name string) (string, error) {
	u := s.Functions[name]
	if u == "" {
		return "", fmt.Errorf("the stack description has no %q function: restart `make dev`", name)
	}
	return u, nil
}

// DevTokenRequest asks the dev issuer for an ID token (docs/local-stack.md).
type DevTokenRequest struct {
	Sub        string `json:"sub"`
	Email      string `json:"email,omitempty"`
	Aud        string `json:"aud,omitempty"`
	TTLSeconds int    `json:"ttlSeconds,omitempty"`
}

// MintDevToken asks the local stack's dev issuer (POST {issuer}/token) for
// an ID token. It works only against the dev issuer, which mints tokens for
// anyone: never point it at a real identity provider.
func MintDevToken(ctx context.Context, issuer string, req DevTokenRequest) (string, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return "", err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, issuer+"/token", bytes.NewReader(b))
	if err != nil {
		return "", fmt.Errorf("bad issuer URL %q: %w", issuer, err)
	}
	r.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return "", fmt.Errorf("ask the dev issuer for a token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", decodeError(resp)
	}
	var out struct {
		IDToken string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.IDToken == "" {
		return "", fmt.Errorf("the dev issuer answered without an id_token")
	}
	return out.IDToken, nil
}
