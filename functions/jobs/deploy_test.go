package jobs

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/signer/signertest"
	"valet.dev/valet/shared/testenv"
)

// TestDeployedFromEnvironment builds the function exactly as Cloud Functions
// does, from environment variables only, and serves an authenticated call.
func TestDeployedFromEnvironment(t *testing.T) {
	testenv.Require(t, "FIRESTORE_EMULATOR_HOST", "the Firestore emulator")
	issuer, err := oidc.New(oidc.Options{DefaultAudience: "deployed-aud"})
	require.NoError(t, err)
	issuerSrv := httptest.NewServer(issuer)
	t.Cleanup(issuerSrv.Close)
	issuer.SetIssuer(issuerSrv.URL)

	keyFile := filepath.Join(t.TempDir(), "signer.pem")
	require.NoError(t, os.WriteFile(keyFile, signertest.KeyPEM(), 0o600))

	t.Setenv(config.EnvProject, firestoretest.ProjectID(t))
	t.Setenv(config.EnvJobsBucket, "deployed-jobs")
	t.Setenv(config.EnvUserIssuers, fmt.Sprintf(`[{"url":%q,"audiences":["deployed-aud"],"jwksUrl":%q}]`, issuerSrv.URL, issuerSrv.URL+oidc.JWKSPath))
	t.Setenv(config.EnvSignerEmail, "valet@deployed.iam.gserviceaccount.com")
	t.Setenv(config.EnvSignerKeyFile, keyFile)
	t.Setenv(secretmanager.EmulatorHostEnv, custodytest.New(t).Emulator.Addr)

	h := config.Deployed(Name, Deploy)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/jobs", nil))
	require.Equal(t, http.StatusUnauthorized, rec.Code, rec.Body.String())

	tok, err := issuer.Mint(oidc.TokenRequest{Sub: "deployed-user"})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodGet, "/jobs", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

// TestDeployedWithoutConfigurationAnswers503 shows a misconfigured
// deployment refuses every request with 503 rather than running half-built.
func TestDeployedWithoutConfigurationAnswers503(t *testing.T) {
	t.Setenv(config.EnvProject, "")
	_, err := config.FromEnvironment(context.Background())
	require.ErrorContains(t, err, config.EnvProject)
	h := config.Deployed(Name, Deploy)
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/jobs", nil))
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		require.NotContains(t, rec.Body.String(), config.EnvProject, "causes go to the log, not the caller")
	}
}
