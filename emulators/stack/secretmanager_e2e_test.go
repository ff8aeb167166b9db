package stack_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/emulators/oidc"
	smemu "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/testenv"
)

// custodian reads the stack's job secrets the way the functions store them.
func custodian(t *testing.T, s *stack.Stack) *secretmanager.JobSecrets {
	t.Helper()
	sm, err := secretmanager.NewClient(context.Background(), secretmanager.EmulatorOptions(s.Info.SecretManager)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sm.Close() })
	return secretmanager.NewJobSecrets(sm, s.Info.Project)
}

// A job whose timeout is shorter than Secret Manager's 60 s expiration
// floor still gets its workflow token: finalize stores it when the job is
// queued (the secret outlives the deadline a little, and is scrubbed when
// the job ends), and the worker's auth bundle carries it.
func TestShortTimeoutJobGetsItsWorkflowToken(t *testing.T) {
	s := startStack(t)
	ctx := context.Background()
	jobsURL, dispatchURL := s.Info.Functions["jobs"], s.Info.Functions["dispatch"]
	user := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"}), rec: nil}
	dispatcher := dispatcherClient(t, s, nil)

	workspace := []byte("workspace")
	var created struct {
		Job    jobView   `json:"job"`
		Upload signedURL `json:"upload"`
	}
	user.handout(http.MethodPost, jobsURL+"/jobs", map[string]any{
		"spec": map[string]any{"image": "example/build"}, "workspace": map[string]any{"sizeBytes": len(workspace)},
		"timeoutSeconds": 30,
	}, http.StatusCreated, &created)
	put(t, created.Upload, workspace)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	waitForState(t, user, jobURL, "QUEUED")

	secrets := custodian(t, s)
	var held []string
	var heldErr error
	testenv.WaitUntil(t, func() bool {
		held, heldErr = secrets.Held(ctx, created.Job.ID)
		return heldErr == nil && len(held) == 1
	}, func() string {
		return fmt.Sprintf("finalize stores the workflow token of a job queued with a 30 s timeout: held %v, %v", held, heldErr)
	})

	claim := dispatcher.claim(dispatchURL, "e2e")
	bundle := dispatcher.bundle(dispatchURL, created.Job.ID, claim.Lock.Epoch)
	require.NotEmpty(t, bundle.WorkflowToken)
	require.NotEmpty(t, bundle.JobToken)
	// A job submitted without a runtime token: its secret holds the
	// workflow token at version 1.
	stored, err := secrets.Get(ctx, &job.Job{ID: ids.JobID(created.Job.ID), SecretLayout: job.SecretsPerJob}, custody.WorkflowToken)
	require.NoError(t, err)
	require.Equal(t, stored, bundle.WorkflowToken, "the bundle carries the token finalize stored")
}

// When Secret Manager refuses a call over the project's per-minute quota,
// the caller gets 503 with Retry-After, and nothing is half done.
func TestSecretManagerQuotaReachesCallersAs503(t *testing.T) {
	frozen := time.Now() // one quota minute for the whole test
	s := startStack(t, func(o *stack.Options) {
		o.SecretManager = smemu.Options{Now: func() time.Time { return frozen }, Quotas: smemu.Quotas{WritePerMinute: 100}}
	})
	ctx := context.Background()
	jobsURL := s.Info.Functions["jobs"]
	user := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"}), rec: nil}
	var runtime struct {
		Token string `json:"token"`
	}
	user.handout(http.MethodPost, s.Info.Functions["tokens"]+"/tokens", map[string]any{"name": "runtime", "scopes": []string{"jobs:write"}, "expiresInSeconds": 3600}, http.StatusCreated, &runtime)

	sm, err := secretmanager.NewClient(ctx, secretmanager.EmulatorOptions(s.Info.SecretManager)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sm.Close() })
	for i := 0; ; i++ {
		require.Less(t, i, 100, "the write quota never ran out")
		_, err := sm.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{Parent: "projects/" + s.Info.Project, SecretId: fmt.Sprintf("spend-%d", i)})
		if status.Code(err) == codes.ResourceExhausted {
			break
		}
		require.NoError(t, err)
	}

	res := user.send(http.MethodPost, jobsURL+"/jobs", map[string]any{
		"spec": map[string]any{"image": "example/build"}, "workspace": map[string]any{"sizeBytes": 1}, "runtimeToken": runtime.Token,
	})
	require.Equal(t, http.StatusServiceUnavailable, res.status, "%s", res.body)
	require.Equal(t, "60", res.header.Get("Retry-After"))
	require.Contains(t, string(res.body), `"code":"unavailable"`)
	require.NotContains(t, string(res.body), runtime.Token)

	var list struct {
		Jobs []jobView `json:"jobs"`
	}
	user.do(http.MethodGet, jobsURL+"/jobs", nil, http.StatusOK, &list)
	require.Empty(t, list.Jobs, "a refused submission leaves no job behind")
}

// forgedJobToken is a well-formed job token of the stack's issuer whose
// kid names a key version that does not exist, with a random signature:
// what an anonymous caller can send.
func forgedJobToken(t *testing.T, s *stack.Stack, kid int) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	sig := make([]byte, 64)
	_, err := rand.Read(sig)
	require.NoError(t, err)
	return enc(map[string]any{"alg": "ES256", "typ": jobtoken.Type, "kid": strconv.Itoa(kid)}) + "." +
		enc(map[string]any{"iss": s.TokenIssuer(), "aud": jobtoken.Audience, "sub": "u_x", "job": "j_x", "epoch": 1,
			"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "jti": "x"}) + "." +
		base64.RawURLEncoding.EncodeToString(sig)
}

// No request an anonymous caller can send spends Secret Manager quota: the
// JWKS is served from the key store's cache (with Cache-Control), and job
// tokens naming unknown key versions are refused from the cached key list,
// misses included, without a lookup each.
func TestAnonymousCallersSpendNoSecretManagerQuota(t *testing.T) {
	s := startStack(t)
	jwksURL := s.Info.Functions["tokens"] + "/.well-known/jwks.json"
	jobsURL := s.Info.Functions["jobs"] + "/jobs"
	getJWKS := func() {
		res := getRaw(t, jwksURL)
		require.Equal(t, http.StatusOK, res.status)
		require.Contains(t, res.header.Get("Cache-Control"), "max-age=")
		require.Contains(t, res.header.Get("Cache-Control"), "public")
	}
	anonymous := func(token string) {
		client{t: t, token: token, rec: nil}.do(http.MethodGet, jobsURL, nil, http.StatusUnauthorized, nil)
	}
	getJWKS() // the stores list their keys once
	anonymous(forgedJobToken(t, s, 1000))
	before := s.SecretManager.Server.TotalCalls()

	for i := range 100 {
		getJWKS()
		anonymous(forgedJobToken(t, s, 2+i))
		anonymous(forgedJobToken(t, s, 2+i)) // the same unknown kid again
	}
	spent := s.SecretManager.Server.TotalCalls() - before
	// At most a relisting or two, should the machine be slow enough for
	// the key list's MissTTL or CacheTTL to pass during the loop.
	require.LessOrEqual(t, spent, int64(4), "300 anonymous requests made %d Secret Manager calls: %v", spent, s.SecretManager.Server.Calls())
}
