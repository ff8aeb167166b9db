package custody_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"

	emulator "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/custody/custodytest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/logging"
)

const project = "valet-test"

func newStore(t *testing.T) (*custody.Store, *smapi.Client, *emulator.Running) {
	e := custodytest.New(t)
	return e.Store, e.Client, e.Emulator
}

func secretName(jobID string, kind custody.Kind) string {
	return "projects/" + project + "/secrets/" + custody.SecretID(jobID, kind)
}

func TestPutGetFirstValueWins(t *testing.T) {
	ctx := context.Background()
	store, _, running := newStore(t)
	jobID := ids.NewJobID().String()
	expireAt := time.Now().Add(time.Hour).Truncate(time.Second)

	_, err := store.Get(ctx, jobID, custody.RuntimeToken)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

	require.NoError(t, store.Put(ctx, jobID, custody.RuntimeToken, "runtime-secret-one", expireAt))
	require.NoError(t, store.Put(ctx, jobID, custody.RuntimeToken, "runtime-secret-two", expireAt))
	got, err := store.Get(ctx, jobID, custody.RuntimeToken)
	require.NoError(t, err)
	require.Equal(t, "runtime-secret-one", got)
	require.Equal(t, logging.Redacted, logging.DefaultMasker.Mask("runtime-secret-one"))

	// The other kind is a separate secret.
	_, err = store.Get(ctx, jobID, custody.WorkflowToken)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

	// Labels and expire_time, read back from the emulator.
	secret, err := running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: secretName(jobID, custody.RuntimeToken)})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"app": "valet", "job": jobID, "kind": "runtime"}, secret.GetLabels())
	require.True(t, expireAt.Equal(secret.GetExpireTime().AsTime()), "expire_time %v", secret.GetExpireTime().AsTime())
	require.Equal(t, "valet-job-"+jobID+"-runtime", custody.SecretID(jobID, custody.RuntimeToken))
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	store, _, _ := newStore(t)
	jobID := ids.NewJobID().String()
	later := time.Now().Add(time.Hour)
	for name, err := range map[string]error{
		"malformed job id": store.Put(ctx, "j_NOPE", custody.RuntimeToken, "value-long-enough", later),
		"unknown kind":     store.Put(ctx, jobID, custody.Kind("other"), "value-long-enough", later),
		"empty value":      store.Put(ctx, jobID, custody.RuntimeToken, "", later),
		"get bad id":       func() error { _, err := store.Get(ctx, "x", custody.RuntimeToken); return err }(),
		"scrub bad id":     store.Scrub(ctx, "x"),
		"held bad id":      func() error { _, err := store.Held(ctx, "x"); return err }(),
	} {
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), name)
		require.NotContains(t, err.Error(), "value-long-enough", name)
	}
}

func TestEnsureConcurrentOneValue(t *testing.T) {
	ctx := context.Background()
	store, client, _ := newStore(t)
	jobID := ids.NewJobID().String()
	expireAt := time.Now().Add(time.Hour)

	var wg sync.WaitGroup
	values := make([]string, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			values[i], errs[i] = store.Ensure(ctx, jobID, custody.WorkflowToken, expireAt, func() (string, error) {
				return fmt.Sprintf("minted-workflow-token-%d", i), nil
			})
		})
	}
	wg.Wait()
	for i := range 10 {
		require.NoError(t, errs[i])
		require.Equal(t, values[0], values[i])
	}
	// Losing writers' versions were destroyed: only version 1 is readable.
	it := client.ListSecretVersions(ctx, &secretmanagerpb.ListSecretVersionsRequest{
		Parent: secretName(jobID, custody.WorkflowToken), Filter: "state:ENABLED",
	})
	v, err := it.Next()
	require.NoError(t, err)
	require.Equal(t, secretName(jobID, custody.WorkflowToken)+"/versions/1", v.GetName())

	// Ensure does not mint again once a value is held.
	again, err := store.Ensure(ctx, jobID, custody.WorkflowToken, expireAt, func() (string, error) {
		t.Fatal("mint called for a held secret")
		return "", nil
	})
	require.NoError(t, err)
	require.Equal(t, values[0], again)

	// A failing mint is returned as is.
	_, err = store.Ensure(ctx, ids.NewJobID().String(), custody.WorkflowToken, expireAt, func() (string, error) {
		return "", apperr.E(apperr.Unavailable, "no signing key")
	})
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
}

func TestScrub(t *testing.T) {
	ctx := context.Background()
	store, _, _ := newStore(t)
	jobID := ids.NewJobID().String()
	other := ids.NewJobID().String()
	expireAt := time.Now().Add(time.Hour)
	require.NoError(t, store.Put(ctx, jobID, custody.RuntimeToken, "runtime-to-scrub", expireAt))
	require.NoError(t, store.Put(ctx, jobID, custody.WorkflowToken, "workflow-to-scrub", expireAt))
	require.NoError(t, store.Put(ctx, other, custody.RuntimeToken, "runtime-of-other", expireAt))

	held, err := store.Held(ctx, jobID)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{secretName(jobID, custody.RuntimeToken), secretName(jobID, custody.WorkflowToken)}, held)

	require.NoError(t, store.Scrub(ctx, jobID))
	for _, kind := range custody.Kinds {
		_, err := store.Get(ctx, jobID, kind)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), kind)
	}
	held, err = store.Held(ctx, jobID)
	require.NoError(t, err)
	require.Empty(t, held)
	require.NoError(t, store.Scrub(ctx, jobID), "scrub is idempotent")
	require.NoError(t, store.Scrub(ctx, ids.NewJobID().String()), "nothing to scrub is fine")

	// The other job keeps its secret.
	got, err := store.Get(ctx, other, custody.RuntimeToken)
	require.NoError(t, err)
	require.Equal(t, "runtime-of-other", got)
}

func TestScrubDestroysVersionsBeforeDelete(t *testing.T) {
	ctx := context.Background()
	store, client, running := newStore(t)
	jobID := ids.NewJobID().String()
	require.NoError(t, store.Put(ctx, jobID, custody.RuntimeToken, "runtime-destroyed", time.Now().Add(time.Hour)))

	// A delete that fails after the destroy leaves a secret whose version
	// cannot be read: simulate by destroying only, through the client.
	_, err := client.DestroySecretVersion(ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: secretName(jobID, custody.RuntimeToken) + "/versions/1"})
	require.NoError(t, err)
	_, err = store.Get(ctx, jobID, custody.RuntimeToken)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	_, err = client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: secretName(jobID, custody.RuntimeToken) + "/versions/1"})
	require.Error(t, err)
	// Ensure does not bring a destroyed value back.
	_, err = store.Ensure(ctx, jobID, custody.RuntimeToken, time.Now().Add(time.Hour), func() (string, error) { return "runtime-resurrected", nil })
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

	require.NoError(t, store.Scrub(ctx, jobID))
	_, err = running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: secretName(jobID, custody.RuntimeToken)})
	require.Error(t, err)
}

func TestBackendDownIsUnavailableWithoutValues(t *testing.T) {
	ctx := context.Background()
	store, _, running := newStore(t)
	jobID := ids.NewJobID().String()
	require.NoError(t, store.Put(ctx, jobID, custody.RuntimeToken, "runtime-before-outage", time.Now().Add(time.Hour)))
	running.Stop()

	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}
	var errs []error
	errs = append(errs, store.Put(short(), jobID, custody.WorkflowToken, "workflow-during-outage", time.Now().Add(time.Hour)))
	_, err := store.Get(short(), jobID, custody.RuntimeToken)
	errs = append(errs, err)
	errs = append(errs, store.Scrub(short(), jobID))
	_, err = store.Held(short(), jobID)
	errs = append(errs, err)
	for _, err := range errs {
		require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "%v", err)
		require.NotContains(t, err.Error(), "runtime-before-outage")
		require.NotContains(t, err.Error(), "workflow-during-outage")
	}
}

// Secret Manager refuses an expiration less than 60 s after the request
// reaches it: a job that ends in a moment (a short timeout, a deadline
// seconds away) still gets its secret, kept custody.MinLifetime from now.
func TestPutKeepsGooglesExpirationFloor(t *testing.T) {
	ctx := context.Background()
	store, _, running := newStore(t)
	for name, in := range map[string]time.Duration{"past": -time.Hour, "1s": time.Second, "exactly 60s": time.Minute, "61s": 61 * time.Second} {
		t.Run(name, func(t *testing.T) {
			jobID := ids.NewJobID().String()
			before := time.Now()
			require.NoError(t, store.Put(ctx, jobID, custody.WorkflowToken, "short-lived-"+jobID, before.Add(in)))
			secret, err := running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: secretName(jobID, custody.WorkflowToken)})
			require.NoError(t, err)
			require.False(t, secret.GetExpireTime().AsTime().Before(before.Add(custody.MinLifetime)),
				"expire_time %v is under the floor", secret.GetExpireTime().AsTime())
			got, err := store.Get(ctx, jobID, custody.WorkflowToken)
			require.NoError(t, err)
			require.Equal(t, "short-lived-"+jobID, got)
		})
	}
	require.Greater(t, custody.MinLifetime, time.Minute, "a margin over Google's 60 s")
}
