package jobtoken_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/jobtoken"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/secretmanager"
)

const (
	project = "valet-test"
	issuer  = "https://dispatch.valet.test"
)

type fixture struct {
	keys   *secretmanager.SigningKeys
	issuer *jobtoken.Issuer
	now    time.Time
	job    *job.Job // what lookup returns
	verify *jobtoken.Verifier
	client *smapi.Client
}

func newFixture(t testing.TB) (*fixture, func(name string) error) {
	t.Helper()
	client := custodytest.New(t).Client
	keys := rotatedKeys(t, client, 1)
	f := &fixture{keys: keys, client: client, now: time.Now().Truncate(time.Second)}
	clock := func() time.Time { return f.now }
	f.issuer = jobtoken.NewIssuer(keys, issuer, clock)
	f.job = &job.Job{
		ID: ids.NewJobID(), State: job.Running, RuntimeUser: "u_alice",
		RuntimeScopes: []string{"objects:write", "jobs:read"},
		Lock:          job.Lock{Epoch: 3}, Deadline: f.now.Add(time.Hour),
	}
	lookup := func(_ context.Context, id ids.JobID) (*job.Job, error) {
		if id != f.job.ID {
			return nil, apperr.E(apperr.NotFound, "no job %s", id)
		}
		cp := *f.job
		return &cp, nil
	}
	f.verify = jobtoken.NewVerifier(keys, issuer, lookup, clock)
	disable := func(kid string) error {
		_, err := client.DisableSecretVersion(context.Background(), &secretmanagerpb.DisableSecretVersionRequest{
			Name: "projects/" + project + "/secrets/" + secretmanager.DefaultSigningKeySecret + "/versions/" + kid,
		})
		return err
	}
	return f, disable
}

func requireUnauthenticated(t *testing.T, err error, msg, token string) {
	t.Helper()
	require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), msg)
	if token != "" {
		require.NotContains(t, err.Error(), token)
	}
}

func TestMintVerifyRoundTrip(t *testing.T) {
	ctx := context.Background()
	f, _ := newFixture(t)
	token, err := f.issuer.Mint(ctx, f.job)
	require.NoError(t, err)
	require.Equal(t, logging.Redacted, logging.DefaultMasker.Mask(token))

	hdr, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	require.NoError(t, err)
	require.Contains(t, string(hdr), `"typ":"valet-job+jwt"`)
	require.Contains(t, string(hdr), `"kid":"1"`)
	require.Contains(t, string(hdr), `"alg":"ES256"`)

	p, err := f.verify.Verify(ctx, token)
	require.NoError(t, err)
	require.Equal(t, identity.Job, p.Kind)
	require.Equal(t, "u_alice", p.ID)
	require.Equal(t, []string{"jobs:read", "objects:write"}, p.Scopes)
	require.NotEmpty(t, p.TokenID)

	// LOCKED counts as leased too.
	f.job.State = job.Locked
	_, err = f.verify.Verify(ctx, token)
	require.NoError(t, err)
}

func TestMintRefusesJobsNotLeased(t *testing.T) {
	ctx := context.Background()
	f, _ := newFixture(t)
	for name, mutate := range map[string]func(j *job.Job){
		"queued":   func(j *job.Job) { j.State = job.Queued },
		"final":    func(j *job.Job) { j.State = job.Succeeded },
		"no epoch": func(j *job.Job) { j.Lock.Epoch = 0 },
		"no user":  func(j *job.Job) { j.RuntimeUser = "" },
		"past":     func(j *job.Job) { j.Deadline = f.now.Add(-time.Second) },
		"bad id":   func(j *job.Job) { j.ID = "nope" },
	} {
		t.Run(name, func(t *testing.T) {
			j := *f.job
			mutate(&j)
			tok, err := f.issuer.Mint(ctx, &j)
			require.Empty(t, tok)
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
		})
	}
	_, err := f.issuer.Mint(ctx, nil)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
}

func TestVerifyRefuses(t *testing.T) {
	ctx := context.Background()
	f, disable := newFixture(t)
	token, err := f.issuer.Mint(ctx, f.job)
	require.NoError(t, err)

	t.Run("old epoch after a requeue", func(t *testing.T) {
		f.job.Lock.Epoch = 4
		defer func() { f.job.Lock.Epoch = 3 }()
		_, err := f.verify.Verify(ctx, token)
		requireUnauthenticated(t, err, "job token of epoch 3 is no longer valid: the job was requeued or finished", token)
	})
	t.Run("requeued, not yet claimed", func(t *testing.T) {
		f.job.State = job.Queued
		defer func() { f.job.State = job.Running }()
		_, err := f.verify.Verify(ctx, token)
		requireUnauthenticated(t, err, "no longer valid", token)
	})
	t.Run("final job", func(t *testing.T) {
		f.job.State = job.Failed
		defer func() { f.job.State = job.Running }()
		_, err := f.verify.Verify(ctx, token)
		requireUnauthenticated(t, err, "no longer valid", token)
	})
	t.Run("expired", func(t *testing.T) {
		saved := f.now
		f.now = f.job.Deadline.Add(identity.DefaultLeeway + time.Second)
		defer func() { f.now = saved }()
		_, err := f.verify.Verify(ctx, token)
		requireUnauthenticated(t, err, "expired", token)
	})
	t.Run("tampered claims", func(t *testing.T) {
		parts := strings.Split(token, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		forged := strings.Replace(string(payload), `"epoch":3`, `"epoch":4`, 1)
		require.NotEqual(t, string(payload), forged)
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
		f.job.Lock.Epoch = 4
		defer func() { f.job.Lock.Epoch = 3 }()
		bad := strings.Join(parts, ".")
		_, err = f.verify.Verify(ctx, bad)
		requireUnauthenticated(t, err, "signature does not verify", bad)
	})
	t.Run("tampered signature", func(t *testing.T) {
		sig := []byte(token[strings.LastIndex(token, ".")+1:])
		sig[5] ^= 1
		bad := token[:strings.LastIndex(token, ".")+1] + string(sig)
		_, err := f.verify.Verify(ctx, bad)
		require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
	})
	t.Run("unknown job", func(t *testing.T) {
		other := *f.job
		other.ID = ids.NewJobID()
		tok, err := f.issuer.Mint(ctx, &other)
		require.NoError(t, err)
		_, err = f.verify.Verify(ctx, tok)
		requireUnauthenticated(t, err, "does not exist", tok)
	})
	t.Run("workflow token is foreign", func(t *testing.T) {
		m := jobtoken.NewWorkflowMinter(f.keys, jobtoken.WorkflowOptions{Issuer: issuer, Audience: "valet"})
		wf, _, err := m.Mint(ctx, f.job.ID.String(), "u_alice", f.job.Deadline)
		require.NoError(t, err)
		_, err = f.verify.Verify(ctx, wf)
		requireUnauthenticated(t, err, "not a valet job token", wf)
		require.True(t, fallsThrough(t, f.verify, wf))
	})
	t.Run("other issuer is foreign", func(t *testing.T) {
		other := jobtoken.NewIssuer(f.keys, "https://elsewhere.test", nil)
		tok, err := other.Mint(ctx, f.job)
		require.NoError(t, err)
		require.True(t, fallsThrough(t, f.verify, tok))
	})
	t.Run("garbage is foreign", func(t *testing.T) {
		require.True(t, fallsThrough(t, f.verify, "not-a-jwt"))
	})
	t.Run("disabled key version", func(t *testing.T) {
		_, err := f.keys.Rotate(ctx)
		require.NoError(t, err)
		require.NoError(t, disable("1"))
		// A key store rechecks a version's state every CacheTTL: a fresh
		// one (another instance) sees the withdrawal at once.
		cold := jobtoken.NewVerifier(secretmanager.NewSigningKeys(f.client, project, ""), issuer,
			func(context.Context, ids.JobID) (*job.Job, error) { return f.job, nil }, func() time.Time { return f.now })
		_, err = cold.Verify(ctx, token)
		requireUnauthenticated(t, err, "withdrawn", token)
	})
}

// fallsThrough reports whether an Authenticator with v as Jobs passes token
// on to its Users verifier (v said "not mine").
func fallsThrough(t *testing.T, v *jobtoken.Verifier, token string) bool {
	t.Helper()
	user := identity.Principal{Kind: identity.User, ID: "u_bob", Scopes: identity.AllScopes}
	auth := identity.Authenticator{Jobs: v, Users: userStub{user}}
	p, err := auth.Authenticate(bearer(token))
	return err == nil && p.Kind == identity.User
}

type userStub struct{ p identity.Principal }

func (u userStub) Verify(context.Context, string) (identity.Principal, error) { return u.p, nil }

func bearer(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/jobs", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return r
}

func TestThroughAuthenticator(t *testing.T) {
	ctx := context.Background()
	f, _ := newFixture(t)
	token, err := f.issuer.Mint(ctx, f.job)
	require.NoError(t, err)
	user := identity.Principal{Kind: identity.User, ID: "u_bob", Scopes: identity.AllScopes}
	auth := identity.Authenticator{Jobs: f.verify, Users: userStub{user}}

	p, err := auth.Authenticate(bearer(token))
	require.NoError(t, err)
	require.Equal(t, identity.Job, p.Kind)
	require.Equal(t, "u_alice", p.ID)

	m := jobtoken.NewWorkflowMinter(f.keys, jobtoken.WorkflowOptions{Issuer: "https://idp.test", Audience: "valet"})
	other, _, err := m.Mint(ctx, f.job.ID.String(), "u_bob", f.job.Deadline)
	require.NoError(t, err)
	p, err = auth.Authenticate(bearer(other))
	require.NoError(t, err)
	require.Equal(t, user, p)

	// A stale job token is explained by the job verifier.
	f.job.Lock.Epoch++
	_, err = (&identity.Authenticator{Jobs: f.verify}).Authenticate(bearer(token))
	requireUnauthenticated(t, err, "no longer valid", token)
}
