package sweep_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/oidc/oidctest"
	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
)

func TestSweepWithTheServiceVerifier(t *testing.T) {
	const scheduler = "scheduler@valet-test.iam.gserviceaccount.com"
	issuer := oidctest.Start(t, "valet-users")
	// The production verifier, with the dev issuer's keys for Google's.
	validator, err := authn.NewValidator(t.Context(), issuer.URL+oidc.JWKSPath)
	require.NoError(t, err)

	// The audience is the function's URL: known once it listens, so the
	// verifier is built then.
	var auth identity.Authenticator
	e := newEnvWith(t, func(_ *env, o *sweep.Options) { o.Authenticate = auth.Authenticate })
	verifier, err := authn.NewServiceVerifier(authn.ServiceVerifierOptions{
		Validator: validator, Audience: e.srv.URL, Issuers: []string{issuer.URL}, AllowedEmails: []string{scheduler},
	})
	require.NoError(t, err)
	auth.Services = verifier
	stale := e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-time.Minute) })

	mint := func(email, aud string) string {
		tok, err := issuer.Mint(oidc.TokenRequest{Sub: "1234", Email: email, Aud: aud})
		require.NoError(t, err)
		return tok
	}

	for name, token := range map[string]string{
		"no token":       "",
		"not allowed":    mint("intruder@valet-test.iam.gserviceaccount.com", e.srv.URL),
		"wrong audience": mint(scheduler, "https://elsewhere.example"),
	} {
		t.Run(name, func(t *testing.T) {
			apitest.Do(t, e.srv.URL, token, http.MethodPost, "/sweep", nil).RequireError(t, http.StatusUnauthorized, apperr.Unauthenticated, "")
		})
	}
	require.Equal(t, job.AwaitingWorkspace, e.get(t, stale.ID.String()).State)

	r := apitest.Do(t, e.srv.URL, mint(scheduler, e.srv.URL), http.MethodPost, "/sweep", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, job.Expired, e.get(t, stale.ID.String()).State)
}
