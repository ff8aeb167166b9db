package stack_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
)

// TestJobSpecCheckedAtSubmit sends specs the job spec schema refuses to
// POST /jobs with the credentials people and leaked tokens carry: each is
// refused (400 naming the field for a credential that may submit; 401
// anonymous) and no job exists afterwards; the same request with a valid
// spec is created.
func TestJobSpecCheckedAtSubmit(t *testing.T) {
	s := startStack(t)
	jobsURL, tokensURL := s.Info.Functions["jobs"], s.Info.Functions["tokens"]
	alice := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice"})}
	var tok struct {
		Token string `json:"token"`
	}
	alice.do(http.MethodPost, tokensURL+"/tokens", map[string]any{"name": "ci", "scopes": []string{"jobs:write"}, "expiresInSeconds": 3600}, http.StatusCreated, &tok)
	writer := client{t: t, token: tok.Token}
	bob := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "bob"})}
	anonymous := client{t: t}

	body := func(spec map[string]any) map[string]any {
		return map[string]any{"spec": spec, "workspace": map[string]any{"sizeBytes": 1}}
	}
	for _, tc := range []struct {
		spec  map[string]any
		field string
	}{
		{map[string]any{"image": "x", "comand": []any{"make"}}, "spec: additional properties 'comand' not allowed"},
		{map[string]any{"image": "x", "command": "make test"}, "spec.command: got string, want array"},
		{map[string]any{"command": []any{"make", 1}}, "spec.command[1]: got number, want string"},
		{map[string]any{"env": map[string]any{"VALET_JOB_TOKEN": "forged"}}, "spec.env.VALET_JOB_TOKEN: not allowed"},
		{map[string]any{"resources": map[string]any{"memoryMiB": "lots"}}, "spec.resources.memoryMiB: got string, want integer"},
	} {
		for _, c := range []client{alice, writer, bob} {
			var answer struct {
				Error struct {
					Message string `json:"message"`
				} `json:"error"`
			}
			c.do(http.MethodPost, jobsURL+"/jobs", body(tc.spec), http.StatusBadRequest, &answer)
			require.Contains(t, answer.Error.Message, tc.field)
		}
		anonymous.do(http.MethodPost, jobsURL+"/jobs", body(tc.spec), http.StatusUnauthorized, nil)
	}
	for _, c := range []client{alice, bob} {
		var list struct {
			Jobs []jobView `json:"jobs"`
		}
		c.do(http.MethodGet, jobsURL+"/jobs", nil, http.StatusOK, &list)
		require.Empty(t, list.Jobs, "no refused spec made a job")
	}
	writer.do(http.MethodPost, jobsURL+"/jobs", body(map[string]any{"image": "x", "command": []any{"make"}, "env": map[string]any{"GOFLAGS": "-v"}}), http.StatusCreated, nil)
}
