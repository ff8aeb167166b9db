package identity

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

// verifierFunc adapts a function to Verifier.
type verifierFunc func(ctx context.Context, raw string) (Principal, error)

func (f verifierFunc) Verify(ctx context.Context, raw string) (Principal, error) { return f(ctx, raw) }

func requestWith(headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/jobs", nil)
	for _, h := range headers {
		r.Header.Add("Authorization", h)
	}
	return r
}

func TestBearerToken(t *testing.T) {
	long := strings.Repeat("x", MaxTokenBytes+1)
	tests := []struct {
		name    string
		headers []string
		want    string
		wantMsg string
	}{
		{"bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", ""},
		{"scheme case-insensitive", []string{"bearer valet_abc"}, "valet_abc", ""},
		{"surrounding spaces", []string{"  Bearer   tok  "}, "tok", ""},
		{"missing header", nil, "", "missing credentials"},
		{"empty header", []string{""}, "", "wrong Authorization scheme"},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, "", "wrong Authorization scheme"},
		{"token without scheme", []string{"abc.def.ghi"}, "", "wrong Authorization scheme"},
		{"scheme only", []string{"Bearer"}, "", "empty bearer token"},
		{"scheme and spaces", []string{"Bearer    "}, "", "empty bearer token"},
		{"two tokens", []string{"Bearer one two"}, "", "spaces or control characters"},
		{"control character", []string{"Bearer one\x01two"}, "", "spaces or control characters"},
		{"two headers", []string{"Bearer one", "Bearer two"}, "", "several Authorization headers"},
		{"too long", []string{"Bearer " + long}, "", "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BearerToken(requestWith(tc.headers...))
			if tc.wantMsg == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err), "error: %v", err)
			require.ErrorContains(t, err, tc.wantMsg)
			require.Empty(t, got)
		})
	}
}

func TestAuthenticatorDispatch(t *testing.T) {
	var calls []string
	record := func(name string, p Principal, err error) Verifier {
		return verifierFunc(func(_ context.Context, raw string) (Principal, error) {
			calls = append(calls, name+":"+raw)
			return p, err
		})
	}
	user := Principal{Kind: User, ID: "u1", Scopes: AllScopes}
	svc := Principal{Kind: Service, ID: "s@x", Scopes: AllScopes}
	apiTok := Principal{Kind: User, ID: "u2", Scopes: []string{"jobs.read"}, TokenID: "t1"}
	jobTok := Principal{Kind: Job, ID: "u3", Scopes: []string{"objects:read"}, TokenID: "jti1"}
	notJobToken := Foreign("token is not a valet job token")
	staleEpoch := unauthenticated("job token of epoch 1 is no longer valid: the job was requeued or finished")
	expired := unauthenticated("token has expired; get a fresh one")
	notOnList := unauthenticated("service account s@x is not on this function's allow-list")
	foreignAud := foreign("token audience is not accepted")

	tests := []struct {
		name      string
		auth      Authenticator
		header    string
		want      Principal
		wantMsg   string
		wantCalls []string
	}{
		{"API token", Authenticator{APITokens: record("api", apiTok, nil), Users: record("user", user, nil)},
			"Bearer valet_abc", apiTok, "", []string{"api:valet_abc"}},
		{"API token without verifier", Authenticator{Users: record("user", user, nil)},
			"Bearer valet_abc", Principal{}, "API tokens are not accepted here", nil},
		{"JWT without verifiers", Authenticator{APITokens: record("api", apiTok, nil)},
			"Bearer a.b.c", Principal{}, "ID tokens are not accepted here", nil},
		{"user token", Authenticator{Users: record("user", user, nil)},
			"Bearer a.b.c", user, "", []string{"user:a.b.c"}},
		{"service first", Authenticator{Services: record("svc", svc, nil), Users: record("user", user, nil)},
			"Bearer a.b.c", svc, "", []string{"svc:a.b.c"}},
		{"user after a foreign service refusal", Authenticator{Services: record("svc", Principal{}, foreignAud), Users: record("user", user, nil)},
			"Bearer a.b.c", user, "", []string{"svc:a.b.c", "user:a.b.c"}},
		{"the verifier that recognised the token explains", Authenticator{Services: record("svc", Principal{}, foreignAud), Users: record("user", Principal{}, expired)},
			"Bearer a.b.c", Principal{}, "expired", []string{"svc:a.b.c", "user:a.b.c"}},
		{"service refusal wins over a foreign user refusal", Authenticator{Services: record("svc", Principal{}, notOnList), Users: record("user", Principal{}, foreignAud)},
			"Bearer a.b.c", Principal{}, "allow-list", []string{"svc:a.b.c", "user:a.b.c"}},
		{"all foreign", Authenticator{Services: record("svc", Principal{}, foreignAud), Users: record("user", Principal{}, foreignAud)},
			"Bearer a.b.c", Principal{}, "meant for another service", []string{"svc:a.b.c", "user:a.b.c"}},
		{"single verifier keeps its message", Authenticator{Users: record("user", Principal{}, foreignAud)},
			"Bearer a.b.c", Principal{}, "audience is not accepted", []string{"user:a.b.c"}},
		{"job token first", Authenticator{Jobs: record("job", jobTok, nil), Services: record("svc", svc, nil), Users: record("user", user, nil)},
			"Bearer a.b.c", jobTok, "", []string{"job:a.b.c"}},
		{"other tokens fall through the job verifier", Authenticator{Jobs: record("job", Principal{}, notJobToken), Users: record("user", user, nil)},
			"Bearer a.b.c", user, "", []string{"job:a.b.c", "user:a.b.c"}},
		{"the job verifier explains a stale job token", Authenticator{Jobs: record("job", Principal{}, staleEpoch), Users: record("user", Principal{}, foreignAud)},
			"Bearer a.b.c", Principal{}, "epoch 1 is no longer valid", []string{"job:a.b.c", "user:a.b.c"}},
		{"job verifier alone", Authenticator{Jobs: record("job", jobTok, nil)},
			"Bearer a.b.c", jobTok, "", []string{"job:a.b.c"}},
		{"API tokens never reach the job verifier", Authenticator{Jobs: record("job", jobTok, nil), APITokens: record("api", apiTok, nil)},
			"Bearer valet_abc", apiTok, "", []string{"api:valet_abc"}},
		{"no header", Authenticator{Users: record("user", user, nil)},
			"", Principal{}, "missing credentials", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			var r *http.Request
			if tc.header == "" {
				r = requestWith()
			} else {
				r = requestWith(tc.header)
			}
			p, err := tc.auth.Authenticate(r)
			require.Equal(t, tc.wantCalls, calls)
			if tc.wantMsg != "" {
				require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err), "error: %v", err)
				require.ErrorContains(t, err, tc.wantMsg)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, p)
		})
	}
}
