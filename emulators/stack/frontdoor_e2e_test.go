package stack_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
)

// forger mints tokens that claim the stack's issuer but are signed with
// another key.
func forger(t *testing.T, s *stack.Stack) *oidc.Issuer {
	t.Helper()
	f, err := oidc.New(oidc.Options{Issuer: s.Info.Issuer, DefaultAudience: s.Info.Audience})
	require.NoError(t, err)
	return f
}

// unsignedToken is a token with alg "none" and the claims of a valid one.
func unsignedToken(t *testing.T, s *stack.Stack, email, aud string) string {
	t.Helper()
	valid := mint(t, s, oidc.TokenRequest{Sub: email, Email: email, Aud: aud})
	claims := strings.Split(valid, ".")[1]
	return base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + claims + "."
}

// strippedToken is tok as the front door passes it on.
func strippedToken(tok string) string {
	return tok[:strings.LastIndexByte(tok, '.')+1] + identity.StrippedSignature
}

// sendVia sends method url to h (a URL through the stack's listener when h is
// nil) with the headers, and returns the status and body.
func sendVia(t *testing.T, h http.Handler, method, url string, headers map[string]string) (int, string) {
	t.Helper()
	const body = `{"worker":"frontdoor-test"}`
	header := http.Header{}
	for k, v := range headers {
		header.Set(k, v)
	}
	if h == nil {
		r := apitest.Send(t, method, url, body, header)
		return r.Status, string(r.Body)
	}
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

func bearer(tok string) string { return "Bearer " + tok }

// TestFrontDoorAndFunctionRefuseForgedTokens shows Cloud Run's front door
// as the stack reproduces it, from invokers.json: a private function is
// not reached without its invoker's valid ID token, and a forged or
// unsigned token gets past neither the door nor, sent straight to the
// function, the function itself.
func TestFrontDoorAndFunctionRefuseForgedTokens(t *testing.T) {
	s := startStackWith(t, stack.Options{SweepEvery: -1})
	dispatchURL, sweepURL, finalizeURL := s.Info.Functions["dispatch"], s.Info.Functions["sweep"], s.Info.Functions["finalize"]
	dispatcher, scheduler := s.Info.Dispatchers[0], s.Info.Scheduler
	valid := mint(t, s, oidc.TokenRequest{Sub: dispatcher, Email: dispatcher, Aud: dispatchURL})
	forged, err := forger(t, s).Mint(oidc.TokenRequest{Sub: dispatcher, Email: dispatcher, Aud: dispatchURL})
	require.NoError(t, err)
	forgedSweep, err := forger(t, s).Mint(oidc.TokenRequest{Sub: scheduler, Email: scheduler, Aud: sweepURL})
	require.NoError(t, err)
	unsigned := unsignedToken(t, s, dispatcher, dispatchURL)
	user := mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"})
	xsa := identity.ServerlessAuthorization

	t.Run("the door", func(t *testing.T) {
		for name, tc := range map[string]struct {
			url     string
			headers map[string]string
			want    int
		}{
			"dispatch, no token":                    {dispatchURL + "/claim", nil, http.StatusForbidden},
			"dispatch, forged":                      {dispatchURL + "/claim", map[string]string{xsa: bearer(forged), "Authorization": bearer(valid)}, http.StatusUnauthorized},
			"dispatch, forged in Authorization":     {dispatchURL + "/claim", map[string]string{"Authorization": bearer(forged)}, http.StatusUnauthorized},
			"dispatch, unsigned":                    {dispatchURL + "/claim", map[string]string{xsa: bearer(unsigned)}, http.StatusUnauthorized},
			"dispatch, signature already stripped":  {dispatchURL + "/claim", map[string]string{xsa: bearer(strippedToken(valid))}, http.StatusUnauthorized},
			"dispatch, a user's token":              {dispatchURL + "/claim", map[string]string{xsa: bearer(user)}, http.StatusUnauthorized},
			"dispatch, the scheduler (no invoker)":  {dispatchURL + "/claim", map[string]string{xsa: bearer(mint(t, s, oidc.TokenRequest{Sub: scheduler, Email: scheduler, Aud: dispatchURL}))}, http.StatusForbidden},
			"sweep, no token":                       {sweepURL + "/", nil, http.StatusForbidden},
			"sweep, forged":                         {sweepURL + "/", map[string]string{"Authorization": bearer(forgedSweep)}, http.StatusUnauthorized},
			"sweep, a dispatcher (no invoker)":      {sweepURL + "/", map[string]string{"Authorization": bearer(mint(t, s, oidc.TokenRequest{Sub: dispatcher, Email: dispatcher, Aud: sweepURL}))}, http.StatusForbidden},
			"finalize, no token":                    {finalizeURL + "/", nil, http.StatusForbidden},
			"finalize, a dispatcher (no invoker)":   {finalizeURL + "/", map[string]string{"Authorization": bearer(mint(t, s, oidc.TokenRequest{Sub: dispatcher, Email: dispatcher, Aud: finalizeURL}))}, http.StatusForbidden},
			"dispatch health, no token (no bypass)": {dispatchURL + "/healthz", nil, http.StatusForbidden},
		} {
			t.Run(name, func(t *testing.T) {
				status, body := sendVia(t, nil, http.MethodPost, tc.url, tc.headers)
				require.Equal(t, tc.want, status, body)
				require.Contains(t, body, "local front door", "refused by the door, not the function")
			})
		}
	})

	t.Run("the function behind the door", func(t *testing.T) {
		// What reaches the function when a caller gets past the door
		// with only Authorization: a stripped token, which dispatch
		// refuses (this is production's 401 of every call).
		status, body := sendVia(t, nil, http.MethodPost, dispatchURL+"/claim", map[string]string{"Authorization": bearer(valid)})
		require.Equal(t, http.StatusUnauthorized, status, body)
		require.Contains(t, body, "X-Serverless-Authorization")
		// The door's token in X-Serverless-Authorization, a forged or
		// unsigned one in Authorization: the function refuses it.
		for name, inner := range map[string]string{"forged": forged, "unsigned": unsigned, "stripped": strippedToken(valid), "a user's": user} {
			status, body := sendVia(t, nil, http.MethodPost, dispatchURL+"/claim", map[string]string{xsa: bearer(valid), "Authorization": bearer(inner)})
			require.Equal(t, http.StatusUnauthorized, status, "%s: %s", name, body)
			require.NotContains(t, body, "local front door", "%s: refused by dispatch itself", name)
		}
		// The way the reference worker calls: through both layers.
		status, body = sendVia(t, nil, http.MethodPost, dispatchURL+"/claim", map[string]string{xsa: bearer(valid), "Authorization": bearer(valid)})
		require.Equal(t, http.StatusNoContent, status, body)
	})

	t.Run("the function without the door", func(t *testing.T) {
		// Were the door bypassed, forged and unsigned tokens still stop
		// at the functions.
		for name, tok := range map[string]string{"forged": forged, "unsigned": unsigned, "stripped": strippedToken(valid)} {
			status, body := sendVia(t, s.Function("dispatch"), http.MethodPost, "/claim", map[string]string{"Authorization": bearer(tok)})
			require.Equal(t, http.StatusUnauthorized, status, "dispatch, %s: %s", name, body)
		}
		for name, tok := range map[string]string{"forged": forgedSweep, "unsigned": unsignedToken(t, s, scheduler, sweepURL)} {
			status, body := sendVia(t, s.Function("sweep"), http.MethodPost, "/", map[string]string{"Authorization": bearer(tok)})
			require.Equal(t, http.StatusUnauthorized, status, "sweep, %s: %s", name, body)
		}
	})

	t.Run("public functions", func(t *testing.T) {
		// Cloud Run passes everything through; the function answers.
		status, body := sendVia(t, nil, http.MethodGet, s.Info.Functions["jobs"]+"/jobs", map[string]string{"Authorization": bearer(forged)})
		require.Equal(t, http.StatusUnauthorized, status, body)
		require.NotContains(t, body, "local front door")
		status, body = sendVia(t, nil, http.MethodGet, s.Info.Functions["jobs"]+"/jobs", map[string]string{"Authorization": bearer(user)})
		require.Equal(t, http.StatusOK, status, body)
	})

	t.Run("the scheduler's call", func(t *testing.T) {
		// Cloud Scheduler can only use Authorization: the door strips it
		// and sweep accepts the stripped token on its claims.
		_, err := s.Sweep(t.Context())
		require.NoError(t, err)
	})
}
