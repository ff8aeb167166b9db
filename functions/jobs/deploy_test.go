package jobs

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/oidc/oidctest"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/signer/signertest"
	"valet.dev/valet/shared/testenv"
)

// TestDeployedFromEnvironment builds the function exactly as Cloud Functions
// does, from environment variables only, and serves an authenticated call.
func TestDeployedFromEnvironment(t *testing.T) {
	testenv.Require(t, "FIRESTORE_EMULATOR_HOST", "the Firestore emulator")
	issuer := oidctest.Start(t, "deployed-aud")

	keyFile := filepath.Join(t.TempDir(), "signer.pem")
	require.NoError(t, os.WriteFile(keyFile, signertest.KeyPEM(), 0o600))

	t.Setenv(config.EnvProject, firestoretest.ProjectID(t))
	t.Setenv(config.EnvJobsBucket, "deployed-jobs")
	t.Setenv(config.EnvUserIssuers, fmt.Sprintf(`[{"url":%q,"audiences":[%q],"jwksUrl":%q}]`, issuer.URL, issuer.Audience, issuer.URL+oidc.JWKSPath))
	t.Setenv(config.EnvSignerEmail, "valet@deployed.iam.gserviceaccount.com")
	t.Setenv(config.EnvSignerKeyFile, keyFile)
	t.Setenv(secretmanager.EmulatorHostEnv, custodytest.New(t).Emulator.Addr)

	srv := apitest.Serve(t, config.Deployed(Name, Deploy))
	r := srv.Do(apitest.Caller{}, http.MethodGet, "/jobs", nil)
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	r = srv.Do(issuer.NewUser(t, "deployed-user"), http.MethodGet, "/jobs", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

// TestDeployedWithoutConfigurationAnswers503 shows a misconfigured
// deployment refuses every request with 503 rather than running half-built.
func TestDeployedWithoutConfigurationAnswers503(t *testing.T) {
	t.Setenv(config.EnvProject, "")
	_, err := config.FromEnvironment(context.Background())
	require.ErrorContains(t, err, config.EnvProject)
	h := config.Deployed(Name, Deploy)
	for range 2 {
		r := httptestRecorder(h, http.MethodGet, "/jobs")
		require.Equal(t, http.StatusServiceUnavailable, r.Status)
		require.NotContains(t, string(r.Body), config.EnvProject, "causes go to the log, not the caller")
	}
}
