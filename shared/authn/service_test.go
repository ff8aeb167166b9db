package authn

import (
	"context"
	"strings"
	"testing"
	"time"
	"valet.dev/valet/shared/identity"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/idtoken"
)

// newLocalValidator returns an idtoken.Validator that fetches "Google's"
// keys from a local JWKS server.
func newLocalValidator(t *testing.T) *idtoken.Validator {
	t.Helper()
	srv, _ := newJWKSServer(t)
	v, err := NewValidator(context.Background(), srv.URL+"/jwks")
	require.NoError(t, err)
	return v
}

const (
	functionURL    = "https://jobs-abc123-ew.a.run.app"
	dispatcherMail = "dispatcher@valet-prod.iam.gserviceaccount.com"
)

// serviceClaims are a Google service account ID token's claims, valid now
// (idtoken checks expiry against the real clock).
func serviceClaims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":            "https://accounts.google.com",
		"aud":            functionURL,
		"azp":            "111111111111111111111",
		"sub":            "111111111111111111111",
		"email":          dispatcherMail,
		"email_verified": true,
		"iat":            now.Add(-time.Minute).Unix(),
		"exp":            now.Add(time.Hour).Unix(),
	}
}

func newTestServiceVerifier(t *testing.T, validator *idtoken.Validator, issuers ...string) *ServiceVerifier {
	t.Helper()
	v, err := NewServiceVerifier(ServiceVerifierOptions{
		Validator:     validator,
		Audience:      functionURL,
		Issuers:       issuers,
		AllowedEmails: []string{"Scheduler@valet-prod.iam.gserviceaccount.com", dispatcherMail},
	})
	require.NoError(t, err)
	return v
}

func TestServiceVerifierAccepts(t *testing.T) {
	v := newTestServiceVerifier(t, newLocalValidator(t))
	base := serviceClaims()
	tests := []struct {
		name   string
		claims map[string]any
		want   string
	}{
		{"allow-listed email", base, dispatcherMail},
		{"allow-list is case-insensitive", with(base, map[string]any{"email": "scheduler@VALET-PROD.iam.gserviceaccount.com"}), "scheduler@valet-prod.iam.gserviceaccount.com"},
		{"issuer without scheme", with(base, map[string]any{"iss": "accounts.google.com"}), dispatcherMail},
		{"email_verified as string", with(base, map[string]any{"email_verified": "true"}), dispatcherMail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.Verify(context.Background(), mintRS256(t, tc.claims))
			require.NoError(t, err)
			require.Equal(t, identity.Principal{Kind: identity.Service, ID: tc.want, Email: tc.want, Scopes: identity.AllScopes}, p)
		})
	}
}

func TestServiceVerifierRejects(t *testing.T) {
	validator := newLocalValidator(t)
	v := newTestServiceVerifier(t, validator)
	keys := sharedKeys()
	base := serviceClaims()
	now := time.Now()

	tests := []struct {
		name    string
		token   string
		wantMsg string
		// validatorAccepts says idtoken alone would take the token: the
		// rejection is this package's own check.
		validatorAccepts bool
	}{
		{"email not on the allow-list", mintRS256(t, with(base, map[string]any{"email": "intruder@other.iam.gserviceaccount.com"})), "not on this function's allow-list", true},
		{"wrong issuer", mintRS256(t, with(base, map[string]any{"iss": "https://evil.example"})), "issuer is not accepted", true},
		{"no issuer", mintRS256(t, with(base, map[string]any{"iss": nil})), "issuer is not accepted", true},
		{"email_verified false", mintRS256(t, with(base, map[string]any{"email_verified": false})), "not verified", true},
		{"email_verified absent", mintRS256(t, with(base, map[string]any{"email_verified": nil})), "not verified", true},
		{"no email", mintRS256(t, with(base, map[string]any{"email": nil})), "no email", true},
		{"iat in the future", mintRS256(t, with(base, map[string]any{"iat": now.Add(time.Hour).Unix()})), "issued in the future", true},
		{"wrong audience", mintRS256(t, with(base, map[string]any{"aud": "https://other-fn.a.run.app"})), "audience is not this function's URL", false},
		{"audience array", mintRS256(t, with(base, map[string]any{"aud": []string{functionURL, "x"}})), "audience is not this function's URL", false},
		{"expired", mintRS256(t, with(base, map[string]any{"exp": now.Add(-time.Minute).Unix()})), "expired", false},
		{"bad signature", mint(t, jose.RS256, keys.stranger, rsaKID, base), "could not be verified", false},
		{"unknown kid", mint(t, jose.RS256, keys.rsa, "nope", base), "could not be verified", false},
		{"ES256", mint(t, jose.ES256, keys.ec, ecKID, base), "algorithm is not accepted", false},
		{"alg none", unsignedToken(t, base), "algorithm is not accepted", false},
		{"malformed", "a.b", "not a JWT", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.validatorAccepts {
				_, err := validator.Validate(context.Background(), tc.token, functionURL)
				require.NoError(t, err, "idtoken should accept this token on its own")
			}
			_, err := v.Verify(context.Background(), tc.token)
			requireUnauthenticated(t, err, tc.wantMsg, tc.token)
		})
	}
}

func TestServiceVerifierDevIssuer(t *testing.T) {
	const devIssuer = "http://127.0.0.1:5556/dev"
	v := newTestServiceVerifier(t, newLocalValidator(t), devIssuer)
	p, err := v.Verify(context.Background(), mintRS256(t, with(serviceClaims(), map[string]any{"iss": devIssuer})))
	require.NoError(t, err)
	require.Equal(t, dispatcherMail, p.ID)

	_, err = v.Verify(context.Background(), mintRS256(t, serviceClaims()))
	requireUnauthenticated(t, err, "issuer is not accepted", "")
}

func TestNewServiceVerifierRejectsBadConfig(t *testing.T) {
	validator := newLocalValidator(t)
	ok := ServiceVerifierOptions{Validator: validator, Audience: functionURL, AllowedEmails: []string{dispatcherMail}}
	tests := []struct {
		name    string
		mutate  func(*ServiceVerifierOptions)
		wantErr string
	}{
		{"no validator", func(o *ServiceVerifierOptions) { o.Validator = nil }, "Validator"},
		{"no audience", func(o *ServiceVerifierOptions) { o.Audience = "" }, "audience"},
		{"no allow-list", func(o *ServiceVerifierOptions) { o.AllowedEmails = nil }, "allowed email"},
		{"empty email", func(o *ServiceVerifierOptions) { o.AllowedEmails = []string{" "} }, "must not be empty"},
		{"empty issuer", func(o *ServiceVerifierOptions) { o.Issuers = []string{""} }, "issuers"},
		{"negative leeway", func(o *ServiceVerifierOptions) { o.Leeway = -time.Second }, "leeway"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := ok
			tc.mutate(&opts)
			_, err := NewServiceVerifier(opts)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
	_, err := NewServiceVerifier(ok)
	require.NoError(t, err)
}

// stripped is tok as Cloud Run's front door passes it on: the signature
// replaced by identity.StrippedSignature.
func stripped(tok string) string {
	return tok[:strings.LastIndexByte(tok, '.')+1] + identity.StrippedSignature
}

func TestServiceVerifierRefusesStrippedTokensByDefault(t *testing.T) {
	v := newTestServiceVerifier(t, newLocalValidator(t))
	_, err := v.Verify(context.Background(), stripped(mintRS256(t, serviceClaims())))
	requireUnauthenticated(t, err, "X-Serverless-Authorization", "")
}

func TestServiceVerifierAcceptStrippedChecksEveryClaim(t *testing.T) {
	v, err := NewServiceVerifier(ServiceVerifierOptions{
		Validator: newLocalValidator(t), Audience: functionURL, AllowedEmails: []string{dispatcherMail}, Stripped: AcceptStripped,
	})
	require.NoError(t, err)
	base := serviceClaims()
	p, err := v.Verify(context.Background(), stripped(mintRS256(t, base)))
	require.NoError(t, err)
	require.Equal(t, dispatcherMail, p.ID)
	// A signed token is still verified in full.
	p, err = v.Verify(context.Background(), mintRS256(t, base))
	require.NoError(t, err)
	require.Equal(t, dispatcherMail, p.ID)

	now := time.Now()
	for name, tc := range map[string]struct {
		token, want string
	}{
		"another caller":     {stripped(mintRS256(t, with(base, map[string]any{"email": "intruder@other.iam.gserviceaccount.com"}))), "allow-list"},
		"another audience":   {stripped(mintRS256(t, with(base, map[string]any{"aud": "https://other-fn.a.run.app"}))), "audience"},
		"another issuer":     {stripped(mintRS256(t, with(base, map[string]any{"iss": "https://evil.example"}))), "issuer"},
		"expired":            {stripped(mintRS256(t, with(base, map[string]any{"exp": now.Add(-time.Hour).Unix()}))), "expired"},
		"no expiry":          {stripped(mintRS256(t, with(base, map[string]any{"exp": nil}))), "expiry"},
		"email not verified": {stripped(mintRS256(t, with(base, map[string]any{"email_verified": nil}))), "not verified"},
		"alg none":           {stripped(unsignedToken(t, base)), "algorithm"},
		"forged signature":   {mint(t, jose.RS256, sharedKeys().stranger, rsaKID, base), "could not be verified"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tc.token)
			requireUnauthenticated(t, err, tc.want, "")
		})
	}
}
