package jobtoken_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	emulator "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/secretmanager"
)

func newClient(t *testing.T) (*smapi.Client, *emulator.Running) {
	e := custodytest.New(t)
	return e.Client, e.Emulator
}

// disableVersion disables version kid of secret in the emulator.
func disableVersion(t *testing.T, client *smapi.Client, secret, kid string) {
	t.Helper()
	_, err := client.DisableSecretVersion(context.Background(), &secretmanagerpb.DisableSecretVersionRequest{
		Name: "projects/" + project + "/secrets/" + secret + "/versions/" + kid,
	})
	require.NoError(t, err)
}

// rotatedKeys is a key store on the default secret after n rotations.
func rotatedKeys(t testing.TB, client *smapi.Client, n int) *secretmanager.SigningKeys {
	t.Helper()
	keys := secretmanager.NewSigningKeys(client, project, "")
	for range n {
		_, err := keys.Rotate(context.Background())
		require.NoError(t, err)
	}
	return keys
}

// coldMinter is a workflow minter over a new key store on secret ("": the
// default), so with a cold cache, for the tests' issuer and audience.
func coldMinter(client *smapi.Client, secret string) *jobtoken.WorkflowMinter {
	return jobtoken.NewWorkflowMinter(secretmanager.NewSigningKeys(client, project, secret), jobtoken.WorkflowOptions{Issuer: "https://valet.test", Audience: "valet-workflows"})
}

// requireKid checks the header of the JWT tok names key kid.
func requireKid(t *testing.T, tok, kid string) {
	t.Helper()
	hdr, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	require.NoError(t, err)
	require.Contains(t, string(hdr), `"kid":"`+kid+`"`)
}

// parseJWKS parses a JWKS independently of go-jose: by hand, into ecdsa keys.
func parseJWKS(t *testing.T, raw []byte) map[string]*ecdsa.PublicKey {
	t.Helper()
	var set struct {
		Keys []struct {
			Kty, Crv, X, Y, Kid, Alg, Use string
			D                             string `json:"d"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(raw, &set))
	out := map[string]*ecdsa.PublicKey{}
	for _, k := range set.Keys {
		require.Equal(t, "EC", k.Kty)
		require.Equal(t, "P-256", k.Crv)
		require.Equal(t, "ES256", k.Alg)
		require.Equal(t, "sig", k.Use)
		require.Empty(t, k.D, "private part must not be published")
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		require.NoError(t, err)
		y, err := base64.RawURLEncoding.DecodeString(k.Y)
		require.NoError(t, err)
		require.Len(t, x, 32)
		require.Len(t, y, 32)
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		require.NoError(t, err)
		out[k.Kid] = pub
	}
	return out
}

func verify(token string, keys map[string]*ecdsa.PublicKey, now time.Time) (gjwt.MapClaims, error) {
	claims := gjwt.MapClaims{}
	_, err := gjwt.ParseWithClaims(token, claims, func(tok *gjwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		key, ok := keys[kid]
		if !ok {
			return nil, gjwt.ErrTokenUnverifiable
		}
		return key, nil
	}, gjwt.WithValidMethods([]string{"ES256"}), gjwt.WithTimeFunc(func() time.Time { return now }),
		gjwt.WithIssuer("https://valet.test"), gjwt.WithAudience("valet-workflows"))
	return claims, err
}

func TestRotateMintVerify(t *testing.T) {
	ctx := context.Background()
	client, running := newClient(t)
	keys := secretmanager.NewSigningKeys(client, project, "")
	now := time.Unix(1_800_000_000, 0)
	m := jobtoken.NewWorkflowMinter(keys, jobtoken.WorkflowOptions{Issuer: "https://valet.test", Audience: "valet-workflows", Now: func() time.Time { return now }})

	// Before any rotation there is no key: Mint is unavailable, JWKS empty.
	_, _, err := m.Mint(ctx, "j_1", "user@example.com", now.Add(time.Hour))
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
	jwks, err := keys.JWKS(ctx)
	require.NoError(t, err)
	require.JSONEq(t, `{"keys":[]}`, string(jwks))

	kid, err := keys.Rotate(ctx)
	require.NoError(t, err)
	require.Equal(t, "1", kid)

	// The secret exists, labelled, holding a PKCS#8 PEM.
	secret, err := running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: "projects/" + project + "/secrets/" + secretmanager.DefaultSigningKeySecret})
	require.NoError(t, err)
	require.Equal(t, "valet", secret.GetLabels()["app"])
	acc, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: secret.GetName() + "/versions/1"})
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(acc.GetPayload().GetData()), "-----BEGIN PRIVATE KEY-----"))

	deadline := now.Add(6 * time.Hour)
	token, jti, err := m.Mint(ctx, "j_1", "user@example.com", deadline)
	require.NoError(t, err)
	require.NotEmpty(t, jti)

	jwks, err = keys.JWKS(ctx)
	require.NoError(t, err)
	pubs := parseJWKS(t, jwks)
	require.Len(t, pubs, 1)
	require.Contains(t, pubs, "1")

	claims, err := verify(token, pubs, now.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, gjwt.MapClaims{
		"iss": "https://valet.test",
		"sub": "user@example.com",
		"aud": "valet-workflows",
		"job": "j_1",
		"iat": float64(now.Unix()),
		"exp": float64(deadline.Unix()),
		"jti": jti,
	}, claims)

	// Header: ES256, kid, typ JWT.
	hdr, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	require.NoError(t, err)
	require.JSONEq(t, `{"alg":"ES256","kid":"1","typ":"JWT"}`, string(hdr))

	// Expired after the deadline.
	_, err = verify(token, pubs, deadline.Add(time.Minute))
	require.ErrorIs(t, err, gjwt.ErrTokenExpired)

	// jti is unique across mints.
	seen := map[string]bool{jti: true}
	for range 20 {
		_, j, err := m.Mint(ctx, "j_1", "user@example.com", deadline)
		require.NoError(t, err)
		require.False(t, seen[j], "duplicate jti")
		seen[j] = true
	}
}

func TestRotateTwiceThenDisable(t *testing.T) {
	ctx := context.Background()
	client, _ := newClient(t)
	var cacheExpired atomic.Bool // steps the keys' clock past KeyCacheTTL
	keys := secretmanager.NewSigningKeys(client, project, "custom-key", secretmanager.WithClock(func() time.Time {
		if cacheExpired.Load() {
			return time.Now().Add(secretmanager.KeyCacheTTL)
		}
		return time.Now()
	}))
	now := time.Now()
	m := jobtoken.NewWorkflowMinter(keys, jobtoken.WorkflowOptions{Issuer: "https://valet.test", Audience: "valet-workflows"})

	kid1, err := keys.Rotate(ctx)
	require.NoError(t, err)
	old, _, err := m.Mint(ctx, "j_1", "svc", now.Add(time.Hour))
	require.NoError(t, err)

	kid2, err := keys.Rotate(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2"}, []string{kid1, kid2})
	fresh, _, err := m.Mint(ctx, "j_2", "svc", now.Add(time.Hour))
	require.NoError(t, err)

	jwks, err := keys.JWKS(ctx)
	require.NoError(t, err)
	pubs := parseJWKS(t, jwks)
	require.Len(t, pubs, 2)
	require.NotEqual(t, pubs["1"], pubs["2"])
	claims, err := verify(old, pubs, now)
	require.NoError(t, err)
	require.Equal(t, "j_1", claims["job"])
	claims, err = verify(fresh, pubs, now)
	require.NoError(t, err)
	require.Equal(t, "j_2", claims["job"])
	requireKid(t, fresh, "2")

	disableVersion(t, client, "custom-key", "1")

	// The store's key list is cached: the withdrawal shows once CacheTTL
	// has passed.
	jwks, err = keys.JWKS(ctx)
	require.NoError(t, err)
	require.Len(t, parseJWKS(t, jwks), 2, "within CacheTTL the cached list stands")
	cacheExpired.Store(true)
	jwks, err = keys.JWKS(ctx)
	require.NoError(t, err)
	pubs = parseJWKS(t, jwks)
	require.Len(t, pubs, 1)
	require.Contains(t, pubs, "2")
	_, err = verify(old, pubs, now)
	require.Error(t, err)
	_, err = verify(fresh, pubs, now)
	require.NoError(t, err)

	// A new store (cold cache) signs with the newest enabled version.
	m2 := coldMinter(client, "custom-key")
	tok, _, err := m2.Mint(ctx, "j_3", "svc", now.Add(time.Hour))
	require.NoError(t, err)
	_, err = verify(tok, pubs, now)
	require.NoError(t, err)

	// Disabling the newest too leaves nothing to sign with for a cold store.
	disableVersion(t, client, "custom-key", "2")
	m3 := coldMinter(client, "custom-key")
	_, _, err = m3.Mint(ctx, "j_4", "svc", now.Add(time.Hour))
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
}

func TestColdStoreUsesLatestEnabled(t *testing.T) {
	ctx := context.Background()
	client, _ := newClient(t)
	rotatedKeys(t, client, 2)
	disableVersion(t, client, secretmanager.DefaultSigningKeySecret, "2")

	cold := coldMinter(client, "")
	tok, _, err := cold.Mint(ctx, "j_1", "svc", time.Now().Add(time.Hour))
	require.NoError(t, err)
	requireKid(t, tok, "1")
}

func TestMintBadInputAndNoTokenInErrors(t *testing.T) {
	ctx := context.Background()
	client, running := newClient(t)
	keys := rotatedKeys(t, client, 1)
	now := time.Now()
	m := jobtoken.NewWorkflowMinter(keys, jobtoken.WorkflowOptions{Issuer: "https://valet.test", Audience: "valet-workflows", Now: func() time.Time { return now }})
	token, _, err := m.Mint(ctx, "j_1", "svc", now.Add(time.Hour))
	require.NoError(t, err)

	var errs []error
	for name, c := range map[string]struct {
		job, sub string
		deadline time.Time
	}{
		"no job":        {"", "svc", now.Add(time.Hour)},
		"no subject":    {"j_1", "", now.Add(time.Hour)},
		"past deadline": {"j_1", "svc", now.Add(-time.Second)},
		"now deadline":  {"j_1", "svc", now},
	} {
		t.Run(name, func(t *testing.T) {
			tok, _, err := m.Mint(ctx, c.job, c.sub, c.deadline)
			require.Empty(t, tok)
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
			errs = append(errs, err)
		})
	}

	// A backend failure: the emulator is gone, the cache expired (cold store).
	running.Stop()
	// The warm store still signs from its cached key (no Secret Manager call).
	cached, _, err := m.Mint(ctx, "j_2", "svc", now.Add(time.Hour))
	require.NoError(t, err)
	require.NotEmpty(t, cached)
	cold := jobtoken.NewWorkflowMinter(secretmanager.NewSigningKeys(client, project, ""), jobtoken.WorkflowOptions{})
	tok, _, err := cold.Mint(ctx, "j_1", "svc", now.Add(time.Hour))
	require.Error(t, err)
	require.Empty(t, tok)
	errs = append(errs, err)
	_, err = keys.JWKS(ctx)
	require.NoError(t, err, "the warm store serves its cached JWKS")
	_, err = secretmanager.NewSigningKeys(client, project, "").JWKS(ctx)
	require.Error(t, err)
	errs = append(errs, err)
	_, err = keys.Rotate(ctx)
	require.Error(t, err)
	errs = append(errs, err)

	sig := token[strings.LastIndex(token, ".")+1:]
	for _, e := range errs {
		require.NotContains(t, e.Error(), token)
		require.NotContains(t, e.Error(), sig)
		require.NotContains(t, e.Error(), "PRIVATE KEY")
	}
}
