package stack_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
)

// TestAPITokensNarrowJobs shows, over HTTP on the stack, that a valet API
// token works where its scopes allow and nowhere else, and stops at once
// when revoked.
func TestAPITokensNarrowJobs(t *testing.T) {
	s := startStack(t)
	tokensURL := s.Info.Functions["tokens"]
	jobsURL := s.Info.Functions["jobs"]
	user := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "carol"}), rec: nil}

	create := func(scopes ...string) (string, string) {
		var out struct {
			Token string `json:"token"`
			ID    string `json:"id"`
		}
		user.do(http.MethodPost, tokensURL+"/tokens", map[string]any{"name": "ci", "scopes": scopes, "expiresInSeconds": 3600}, http.StatusCreated, &out)
		require.NotEmpty(t, out.Token)
		return out.Token, out.ID
	}
	readTok, readID := create("jobs:read")
	objectsTok, _ := create("objects:read")
	writeTok, _ := create("jobs:write")

	newJob := map[string]any{"spec": map[string]any{"image": "x"}, "workspace": map[string]any{"sizeBytes": 10}}
	reader := client{t: t, token: readTok, rec: nil}
	reader.do(http.MethodGet, jobsURL+"/jobs", nil, http.StatusOK, nil)
	reader.do(http.MethodPost, jobsURL+"/jobs", newJob, http.StatusForbidden, nil)
	client{t: t, token: objectsTok, rec: nil}.do(http.MethodGet, jobsURL+"/jobs", nil, http.StatusForbidden, nil)
	client{t: t, token: writeTok, rec: nil}.do(http.MethodPost, jobsURL+"/jobs", newJob, http.StatusCreated, nil)

	// A token cannot mint a wider one.
	reader.do(http.MethodPost, tokensURL+"/tokens", map[string]any{"name": "wider", "scopes": []string{"jobs:write"}, "expiresInSeconds": 3600}, http.StatusForbidden, nil)

	user.do(http.MethodDelete, tokensURL+"/tokens/"+readID, nil, http.StatusNoContent, nil)
	reader.do(http.MethodGet, jobsURL+"/jobs", nil, http.StatusUnauthorized, nil)

	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	client{t: t, token: "", rec: nil}.do(http.MethodGet, tokensURL+"/.well-known/jwks.json", nil, http.StatusOK, &jwks)
	require.Len(t, jwks.Keys, 1, "the workflow signing key is published")
	require.Equal(t, "ES256", jwks.Keys[0]["alg"])
}
