package stack_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/ids"
	valetjob "valet.dev/valet/shared/job"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/testenv"
)

// TestJobSecretsReachTheJobAndNothingElse is the leak guard of invariant 1
// over every secret a job has: a runtime token (a canary API token), the
// workflow token, the per-epoch job token, the API tokens, both signing
// keys and every URL signature. It runs a whole lifecycle, then searches
// every log line, every Firestore document (jobs and their events
// included), every storage event and every response body but the two
// handouts (the auth bundle and token creation), in raw and encoded forms. On the way it checks that
// the workflow token verifies with an independent JWT library against the
// published JWKS, that the job token works for its epoch only, and that
// Secret Manager holds nothing of the job once it is final.
func TestJobSecretsReachTheJobAndNothingElse(t *testing.T) {
	rec := recordLogs(t)
	s := startStack(t)
	tap := tapEvents(t, s)
	ctx := context.Background()
	jobsURL, dispatchURL, tokensURL := s.Info.Functions["jobs"], s.Info.Functions["dispatch"], s.Info.Functions["tokens"]
	oidcUser := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"}), rec: rec}
	newToken := func(scopes ...string) string { return canaryToken(oidcUser, tokensURL, scopes...) }
	apiToken := newToken("jobs:write", "objects:read")
	runtimeToken := newToken("jobs:write", "objects:read")
	user := client{t: t, token: apiToken, rec: rec}
	dispatcher := dispatcherClient(t, s, rec)
	secrets := map[string]string{"the API token": apiToken, "the runtime token": runtimeToken}
	for name, key := range signingKeys(t, s) {
		secrets[name] = key
	}

	var created struct {
		Job struct {
			ID            string   `json:"id"`
			RuntimeUser   string   `json:"runtimeUser"`
			RuntimeScopes []string `json:"runtimeScopes"`
		} `json:"job"`
		Upload signedURL `json:"upload"`
	}
	workspace := []byte("workspace")
	user.handout(http.MethodPost, jobsURL+"/jobs", map[string]any{
		"spec": map[string]any{"image": "example/build"}, "workspace": map[string]any{"sizeBytes": len(workspace)},
		"runtimeToken": runtimeToken,
	}, http.StatusCreated, &created)
	require.Equal(t, []string{"jobs:write", "objects:read"}, created.Job.RuntimeScopes)
	secrets["the workspace upload signature"] = signatureOf(t, created.Upload.URL)
	put(t, created.Upload, workspace)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	waitForState(t, user, jobURL, "QUEUED")

	sm, err := secretmanager.NewClient(ctx, secretmanager.EmulatorOptions(s.Info.SecretManager)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sm.Close() })
	custodian := secretmanager.NewJobSecrets(sm, s.Info.Project)
	// finalize stores the workflow token right after the job turns
	// QUEUED: wait for it rather than race it.
	kept := &valetjob.Job{ID: ids.JobID(created.Job.ID), SecretLayout: valetjob.SecretsPerJob, HasRuntimeToken: true}
	testenv.WaitUntil(t, func() bool {
		_, err := custodian.Get(ctx, kept, custody.WorkflowToken)
		return err == nil
	}, func() string { return "finalize never stored the workflow token" })
	held, err := custodian.Held(ctx, created.Job.ID)
	require.NoError(t, err)
	require.Len(t, held, 1, "one secret: the runtime token since submission, the workflow token since queueing")

	claim := dispatcher.claim(dispatchURL, "e2e")
	bundle := dispatcher.bundle(dispatchURL, created.Job.ID, claim.Lock.Epoch)
	require.Equal(t, runtimeToken, bundle.RuntimeToken, "only the lock holder's bundle carries the runtime token")
	secrets["the workflow token"] = bundle.WorkflowToken
	secrets["the job token"] = bundle.JobToken
	for name, u := range map[string]string{"workspace download": bundle.Workspace.URL, "output upload": bundle.Output.URL, "attestation upload": bundle.Attestation.URL} {
		secrets["the "+name+" signature"] = signatureOf(t, u)
	}

	// The workflow token verifies with golang-jwt against the JWKS the
	// tokens function publishes.
	claims := verifyWithJWKS(t, client{t: t, token: "", rec: rec}, tokensURL, bundle.WorkflowToken, s.TokenIssuer(), stack.WorkflowAudience)
	require.Equal(t, created.Job.ID, claims["job"])
	require.Equal(t, created.Job.RuntimeUser, claims["sub"])

	// The job token is a credential of the running job: it reads the job
	// as its runtime user.
	job := client{t: t, token: bundle.JobToken, rec: rec}
	job.do(http.MethodGet, jobURL, nil, http.StatusOK, nil)
	job.do(http.MethodGet, s.Info.Functions["objects"]+"/spaces", nil, http.StatusOK, nil)
	job.do(http.MethodPost, tokensURL+"/tokens", map[string]any{"name": "escape", "scopes": []string{"all"}, "expiresInSeconds": 3600}, http.StatusForbidden, nil)

	dispatcher.report(dispatchURL, created.Job.ID, claim.Lock.Epoch, "RUNNING")
	put(t, bundle.Output, []byte("output"))
	waitForState(t, user, jobURL, "SUCCEEDED")

	// Final: Secret Manager holds nothing of the job, the job token and
	// the auth route are dead.
	// finalize scrubs right after the SUCCEEDED transition commits.
	testenv.WaitUntil(t, func() bool {
		held, err = custodian.Held(ctx, created.Job.ID)
		return err == nil && len(held) == 0
	}, func() string { return fmt.Sprintf("Secret Manager still holds %v of a final job (%v)", held, err) })
	job.do(http.MethodGet, jobURL, nil, http.StatusUnauthorized, nil)
	dispatcher.do(http.MethodGet, fmt.Sprintf("%s/jobs/%s/auth?epoch=%d", dispatchURL, created.Job.ID, claim.Lock.Epoch), nil, http.StatusGone, nil)

	var dl signedURL
	user.handout(http.MethodGet, jobURL+"/output", nil, http.StatusOK, &dl)
	secrets["the output download signature"] = signatureOf(t, dl.URL)
	user.do(http.MethodGet, jobURL, nil, http.StatusOK, nil)
	user.do(http.MethodGet, jobURL+"/events", nil, http.StatusOK, nil)
	user.do(http.MethodGet, jobsURL+"/jobs", nil, http.StatusOK, nil)
	oidcUser.do(http.MethodGet, tokensURL+"/tokens", nil, http.StatusOK, nil)
	require.Len(t, secrets, 11, "2 API tokens, 2 signing keys, 2 JWTs, 5 URL signatures")
	rec.events = tap.drain(t)
	require.GreaterOrEqual(t, len(rec.events), 2, "the workspace's and the output's storage events were tapped")
	requireNoLeak(t, rec, s.Info.Project, secrets)
}

// signingKeys returns canaries of the stack's two private keys: a line from
// the middle of the URL signer's PEM and of the workflow key's PEM (as
// Secret Manager holds it), long enough to be unique.
func signingKeys(t *testing.T, s *stack.Stack) map[string]string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(s.SignerKey)
	require.NoError(t, err)
	signer := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	sm, err := secretmanager.NewClient(context.Background(), secretmanager.EmulatorOptions(s.Info.SecretManager)...)
	require.NoError(t, err)
	defer sm.Close()
	acc, err := sm.AccessSecretVersion(context.Background(), &secretmanagerpb.AccessSecretVersionRequest{
		Name: "projects/" + s.Info.Project + "/secrets/" + secretmanager.DefaultSigningKeySecret + "/versions/1"})
	require.NoError(t, err)
	line := func(p []byte) string {
		lines := strings.Split(strings.TrimSpace(string(p)), "\n")
		require.Greater(t, len(lines), 2)
		return lines[len(lines)/2]
	}
	return map[string]string{"the URL signing key": line(signer), "the workflow signing key": line(acc.GetPayload().GetData())}
}

// verifyWithJWKS fetches the published JWKS and verifies token with
// golang-jwt (ES256 only, issuer and audience checked).
func verifyWithJWKS(t *testing.T, anon client, tokensURL, token, issuer, audience string) gjwt.MapClaims {
	t.Helper()
	resp, err := http.Get(tokensURL + "/.well-known/jwks.json")
	require.NoError(t, err)
	defer resp.Body.Close()
	var set struct {
		Keys []struct{ Kid, X, Y string } `json:"keys"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&set))
	keys := map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		require.NoError(t, err)
		y, err := base64.RawURLEncoding.DecodeString(k.Y)
		require.NoError(t, err)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		require.NoError(t, err)
		keys[k.Kid] = pub
	}
	claims := gjwt.MapClaims{}
	_, err = gjwt.ParseWithClaims(token, claims, func(tok *gjwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if key, ok := keys[kid]; ok {
			return key, nil
		}
		return nil, gjwt.ErrTokenUnverifiable
	}, gjwt.WithValidMethods([]string{"ES256"}), gjwt.WithIssuer(issuer), gjwt.WithAudience(audience),
		gjwt.WithExpirationRequired(), gjwt.WithTimeFunc(time.Now))
	require.NoError(t, err)
	return claims
}
