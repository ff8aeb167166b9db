package sweep_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/api/idtoken"
	"google.golang.org/api/option"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"

	valetfs "valet.dev/valet/shared/firestore"
)

// certsRedirect answers idtoken's fetch of Google's keys with the dev
// issuer's JWKS, so the production verifier runs unchanged.
type certsRedirect struct{ jwks *url.URL }

func (c certsRedirect) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.String(), "https://www.googleapis.com/oauth2/v3/certs") {
		r = r.Clone(r.Context())
		r.URL, r.Host = c.jwks, c.jwks.Host
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestSweepWithTheServiceVerifier(t *testing.T) {
	const scheduler = "scheduler@valet-test.iam.gserviceaccount.com"
	client := firestoretest.New(t)
	firestoretest.Reset(t, firestoretest.ProjectID(t))
	store := valetfs.NewJobStore(client)

	issuer, err := oidc.New(oidc.Options{})
	require.NoError(t, err)
	issuerSrv := httptest.NewServer(issuer)
	t.Cleanup(issuerSrv.Close)
	issuer.SetIssuer(issuerSrv.URL)
	jwks, err := url.Parse(issuerSrv.URL + oidc.JWKSPath)
	require.NoError(t, err)
	validator, err := idtoken.NewValidator(context.Background(), option.WithHTTPClient(&http.Client{Transport: certsRedirect{jwks: jwks}}))
	require.NoError(t, err)

	// The audience is the function's URL: known once it listens.
	srv := httptest.NewUnstartedServer(nil)
	audience := "http://" + srv.Listener.Addr().String()
	verifier, err := authn.NewServiceVerifier(authn.ServiceVerifierOptions{
		Validator: validator, Audience: audience, Issuers: []string{issuerSrv.URL}, AllowedEmails: []string{scheduler},
	})
	require.NoError(t, err)
	auth := identity.Authenticator{Services: verifier}
	srv.Config.Handler = sweep.New(sweep.Options{
		Store: store, Objects: &recorder{}, Secrets: custodytest.New(t).Store, Bucket: bucket, Authenticate: auth.Authenticate,
		Now: func() time.Time { return t0 },
	})
	srv.Start()
	t.Cleanup(srv.Close)
	require.Equal(t, audience, srv.URL)

	e := &env{store: store}
	stale := e.create(t, func(j *job.Job) { j.UploadDeadline = t0.Add(-time.Minute) })

	post := func(token string) (int, []byte) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/sweep", nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, raw
	}
	mint := func(email, aud string) string {
		tok, err := issuer.Mint(oidc.TokenRequest{Sub: "1234", Email: email, Aud: aud})
		require.NoError(t, err)
		return tok
	}

	for name, token := range map[string]string{
		"no token":       "",
		"not allowed":    mint("intruder@valet-test.iam.gserviceaccount.com", srv.URL),
		"wrong audience": mint(scheduler, "https://elsewhere.example"),
	} {
		status, raw := post(token)
		require.Equal(t, http.StatusUnauthorized, status, "%s: %s", name, raw)
		require.Equal(t, apperr.Unauthenticated, errorCode(t, raw), name)
	}
	require.Equal(t, job.AwaitingWorkspace, e.get(t, stale.ID.String()).State)

	status, raw := post(mint(scheduler, srv.URL))
	require.Equal(t, http.StatusOK, status, string(raw))
	require.Equal(t, job.Expired, e.get(t, stale.ID.String()).State)
}
