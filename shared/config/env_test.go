package config

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/authn"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func base() map[string]string {
	return map[string]string{EnvProject: "p", EnvJobsBucket: "p-jobs"}
}

func TestLoadReadsEveryVariable(t *testing.T) {
	m := base()
	m[EnvUserIssuers] = `[{"url":"https://accounts.google.com","audiences":["client-1"],"clientIds":["client-1","android-1"]}]`
	m[EnvFunctionURL] = "https://dispatch-xyz.a.run.app"
	m[EnvServiceAccounts] = " dispatcher@p.iam.gserviceaccount.com, reconciler@p.iam.gserviceaccount.com "
	m[EnvAllowedOrigins] = "https://Console-xyz.a.run.app/, http://127.0.0.1:8080"
	e, err := Load(envOf(m))
	require.NoError(t, err)
	require.Equal(t, "p", e.Project)
	require.Equal(t, "p-jobs", e.JobsBucket)
	require.Equal(t, []authn.IssuerConfig{{URL: "https://accounts.google.com", Audiences: []string{"client-1"}, ClientIDs: []string{"client-1", "android-1"}}}, e.UserIssuers)
	require.Equal(t, []string{"dispatcher@p.iam.gserviceaccount.com", "reconciler@p.iam.gserviceaccount.com"}, e.AllowedServiceAccounts)
	require.Equal(t, []string{"https://console-xyz.a.run.app", "http://127.0.0.1:8080"}, e.AllowedOrigins)
	require.NoError(t, e.needUsers())
	require.NoError(t, e.needServices())
}

func TestLoadRefusesWithTheVariableNamed(t *testing.T) {
	for name, tc := range map[string]struct {
		key, value, want string
	}{
		"no project":        {EnvProject, "", EnvProject},
		"no bucket":         {EnvJobsBucket, "", EnvJobsBucket},
		"issuers not json":  {EnvUserIssuers, "https://accounts.google.com", EnvUserIssuers},
		"issuer unknown":    {EnvUserIssuers, `[{"url":"u","audiences":["a"],"extra":1}]`, EnvUserIssuers},
		"issuer no aud":     {EnvUserIssuers, `[{"url":"https://x"}]`, EnvUserIssuers},
		"service not email": {EnvServiceAccounts, "dispatcher", EnvServiceAccounts},
		"url not absolute":  {EnvFunctionURL, "dispatch", EnvFunctionURL},
		"origin wildcard":   {EnvAllowedOrigins, "*", EnvAllowedOrigins},
		"origin with path":  {EnvAllowedOrigins, "https://app.example/console", EnvAllowedOrigins},
		"origin no scheme":  {EnvAllowedOrigins, "app.example", EnvAllowedOrigins},
		"signed URL base":   {EnvSignedURLBase, "127.0.0.1:4443", EnvSignedURLBase},
		"jwks not http":     {EnvServiceJWKSURL, "file:///etc/keys", EnvServiceJWKSURL},
	} {
		t.Run(name, func(t *testing.T) {
			m := base()
			m[tc.key] = tc.value
			_, err := Load(envOf(m))
			require.Error(t, err)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestNeedsSayWhatIsMissing(t *testing.T) {
	e, err := Load(envOf(base()))
	require.NoError(t, err)
	require.ErrorContains(t, e.needUsers(), EnvUserIssuers)
	require.ErrorContains(t, e.needServices(), EnvServiceAccounts)
}
