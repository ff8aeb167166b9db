package secretmanager_test

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
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/secretmanager"
)

const project = "valet-test"

func newStore(t *testing.T) (*secretmanager.JobSecrets, *smapi.Client, *emulator.Running) {
	e := custodytest.New(t)
	return e.Store, e.Client, e.Emulator
}

func secretName(jobID string, kind custody.Kind) string {
	return "projects/" + project + "/secrets/" + secretmanager.SecretID(jobID, kind)
}

func jobSecretName(jobID string) string {
	return "projects/" + project + "/secrets/" + secretmanager.JobSecretID(jobID)
}

// newJob is a job of the per-job layout, with a runtime token or not.
func newJob(runtime bool) *job.Job {
	return &job.Job{ID: ids.NewJobID(), SecretLayout: job.SecretsPerJob, HasRuntimeToken: runtime}
}

// legacyJob is a job created before the per-job layout.
func legacyJob() *job.Job {
	return &job.Job{ID: ids.NewJobID(), SecretLayout: job.SecretsPerKind}
}

// writes counts the Secret Manager write requests the emulator served.
func writes(running *emulator.Running) int64 { return running.Server.Requests().Write }

func TestPutGetFirstValueWins(t *testing.T) {
	ctx := context.Background()
	store, _, running := newStore(t)
	j := newJob(true)
	expireAt := time.Now().Add(time.Hour).Truncate(time.Second)

	_, err := store.Get(ctx, j, custody.RuntimeToken)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

	require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-secret-one", expireAt))
	require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-secret-two", expireAt))
	got, err := store.Get(ctx, j, custody.RuntimeToken)
	require.NoError(t, err)
	require.Equal(t, "runtime-secret-one", got)
	require.Equal(t, logging.Redacted, logging.DefaultMasker.Mask("runtime-secret-one"))

	// The workflow token goes in the next version, not yet written.
	_, err = store.Get(ctx, j, custody.WorkflowToken)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))

	// Labels and expire_time, read back from the emulator.
	secret, err := running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: jobSecretName(j.ID.String())})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"app": "valet", "job": j.ID.String()}, secret.GetLabels())
	require.True(t, expireAt.Equal(secret.GetExpireTime().AsTime()), "expire_time %v", secret.GetExpireTime().AsTime())
	require.Equal(t, "valet-job-"+j.ID.String(), secretmanager.JobSecretID(j.ID.String()))
	require.Equal(t, "valet-job-"+j.ID.String()+"-runtime", secretmanager.SecretID(j.ID.String(), custody.RuntimeToken))
}

// TestPerJobLayoutWrites: a job's whole life in Secret Manager costs at
// most four write requests with a runtime token (create the secret, add
// the runtime token, add the workflow token, delete the secret) and three
// without one; reading a runtime token the job was not submitted with
// costs no call.
func TestPerJobLayoutWrites(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		runtime bool
		writes  int64
	}{"with a runtime token": {true, 4}, "without one": {false, 3}} {
		t.Run(name, func(t *testing.T) {
			store, _, running := newStore(t)
			j := newJob(tc.runtime)
			later := time.Now().Add(time.Hour)
			if tc.runtime {
				require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-"+j.ID.String(), later))
			}
			workflow, err := store.Ensure(ctx, j, custody.WorkflowToken, later, func() (string, error) { return "workflow-" + j.ID.String(), nil })
			require.NoError(t, err)
			require.Equal(t, "workflow-"+j.ID.String(), workflow)
			before := running.Server.TotalCalls()
			runtime, err := store.Get(ctx, j, custody.RuntimeToken)
			if tc.runtime {
				require.NoError(t, err)
				require.Equal(t, "runtime-"+j.ID.String(), runtime)
			} else {
				require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
				require.Equal(t, before, running.Server.TotalCalls(), "no call for a runtime token the job lacks")
			}
			held, err := store.Held(ctx, j.ID.String())
			require.NoError(t, err)
			require.Equal(t, []string{jobSecretName(j.ID.String())}, held, "one secret per job")
			require.NoError(t, store.Scrub(ctx, j))
			require.Equal(t, tc.writes, writes(running))
			for _, kind := range custody.Kinds {
				_, err := store.Get(ctx, j, kind)
				require.Equal(t, apperr.NotFound, apperr.CodeOf(err), kind)
			}
		})
	}
}

// TestPerKindLayoutStillServed: a job created before the per-job layout
// keeps its two secrets, read and scrubbed where they are.
func TestPerKindLayoutStillServed(t *testing.T) {
	ctx := context.Background()
	store, _, running := newStore(t)
	j := legacyJob()
	later := time.Now().Add(time.Hour)
	require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-legacy", later))
	workflow, err := store.Ensure(ctx, j, custody.WorkflowToken, later, func() (string, error) { return "workflow-legacy", nil })
	require.NoError(t, err)
	require.Equal(t, "workflow-legacy", workflow)
	runtime, err := store.Get(ctx, j, custody.RuntimeToken)
	require.NoError(t, err)
	require.Equal(t, "runtime-legacy", runtime)
	secret, err := running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: secretName(j.ID.String(), custody.WorkflowToken)})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"app": "valet", "job": j.ID.String(), "kind": "workflow"}, secret.GetLabels())
	held, err := store.Held(ctx, j.ID.String())
	require.NoError(t, err)
	require.ElementsMatch(t, []string{secretName(j.ID.String(), custody.RuntimeToken), secretName(j.ID.String(), custody.WorkflowToken)}, held)

	require.NoError(t, store.Scrub(ctx, j))
	held, err = store.Held(ctx, j.ID.String())
	require.NoError(t, err)
	require.Empty(t, held)
	require.NoError(t, store.Scrub(ctx, j), "scrub is idempotent")
}

// TestValuesAreLabelled: a per-job version holds its kind beside its
// value, so a version holding the other kind is never handed out.
func TestValuesAreLabelled(t *testing.T) {
	ctx := context.Background()
	store, client, _ := newStore(t)
	j := newJob(true)
	require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-labelled", time.Now().Add(time.Hour)))
	resp, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: jobSecretName(j.ID.String()) + "/versions/1"})
	require.NoError(t, err)
	require.JSONEq(t, `{"kind":"runtime","value":"runtime-labelled"}`, string(resp.GetPayload().GetData()))

	// The same secret read as a job without a runtime token, whose
	// workflow token would be version 1.
	_, err = store.Get(ctx, &job.Job{ID: j.ID, SecretLayout: job.SecretsPerJob}, custody.WorkflowToken)
	require.Equal(t, apperr.Internal, apperr.CodeOf(err))
	require.NotContains(t, err.Error(), "runtime-labelled")
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	store, _, _ := newStore(t)
	j := newJob(true)
	later := time.Now().Add(time.Hour)
	bad := &job.Job{ID: "j_NOPE", SecretLayout: job.SecretsPerJob}
	for name, err := range map[string]error{
		"malformed job id": store.Put(ctx, bad, custody.RuntimeToken, "value-long-enough", later),
		"no job":           store.Put(ctx, nil, custody.RuntimeToken, "value-long-enough", later),
		"unknown kind":     store.Put(ctx, j, custody.Kind("other"), "value-long-enough", later),
		"empty value":      store.Put(ctx, j, custody.RuntimeToken, "", later),
		"get bad id":       func() error { _, err := store.Get(ctx, bad, custody.RuntimeToken); return err }(),
		"scrub bad id":     store.Scrub(ctx, bad),
		"scrub no job":     store.Scrub(ctx, nil),
		"held bad id":      func() error { _, err := store.Held(ctx, "x"); return err }(),
	} {
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), name)
		require.NotContains(t, err.Error(), "value-long-enough", name)
	}
}

func TestEnsureConcurrentOneValue(t *testing.T) {
	for name, runtime := range map[string]bool{"after a runtime token": true, "alone": false} {
		t.Run(name, func(t *testing.T) { testEnsureConcurrentOneValue(t, runtime) })
	}
}

func testEnsureConcurrentOneValue(t *testing.T, runtime bool) {
	ctx := context.Background()
	store, client, _ := newStore(t)
	j := newJob(runtime)
	expireAt := time.Now().Add(time.Hour)
	want := jobSecretName(j.ID.String()) + "/versions/1"
	if runtime {
		require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-"+j.ID.String(), expireAt))
		want = jobSecretName(j.ID.String()) + "/versions/2"
	}

	var wg sync.WaitGroup
	values := make([]string, 10)
	errs := make([]error, 10)
	for i := range 10 {
		wg.Go(func() {
			values[i], errs[i] = store.Ensure(ctx, j, custody.WorkflowToken, expireAt, func() (string, error) {
				return fmt.Sprintf("minted-workflow-token-%d", i), nil
			})
		})
	}
	wg.Wait()
	for i := range 10 {
		require.NoError(t, errs[i])
		require.Equal(t, values[0], values[i])
	}
	// Losing writers' versions were destroyed: only the runtime token's
	// version and the workflow token's are readable.
	it := client.ListSecretVersions(ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: jobSecretName(j.ID.String()), Filter: "state:ENABLED"})
	var enabled []string
	for v, err := it.Next(); err == nil; v, err = it.Next() {
		enabled = append(enabled, v.GetName())
	}
	require.Contains(t, enabled, want)
	require.Len(t, enabled, map[bool]int{true: 2, false: 1}[runtime])
	if runtime {
		got, err := store.Get(ctx, j, custody.RuntimeToken)
		require.NoError(t, err)
		require.Equal(t, "runtime-"+j.ID.String(), got, "the runtime token is untouched")
	}

	// Ensure does not mint again once a value is held.
	again, err := store.Ensure(ctx, j, custody.WorkflowToken, expireAt, func() (string, error) {
		t.Fatal("mint called for a held secret")
		return "", nil
	})
	require.NoError(t, err)
	require.Equal(t, values[0], again)

	// A failing mint is returned as is.
	_, err = store.Ensure(ctx, newJob(false), custody.WorkflowToken, expireAt, func() (string, error) {
		return "", apperr.E(apperr.Unavailable, "no signing key")
	})
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err))
}

func TestScrub(t *testing.T) {
	ctx := context.Background()
	store, _, _ := newStore(t)
	j, other := newJob(true), newJob(true)
	expireAt := time.Now().Add(time.Hour)
	require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-to-scrub", expireAt))
	require.NoError(t, store.Put(ctx, j, custody.WorkflowToken, "workflow-to-scrub", expireAt))
	require.NoError(t, store.Put(ctx, other, custody.RuntimeToken, "runtime-of-other", expireAt))

	require.NoError(t, store.Scrub(ctx, j))
	for _, kind := range custody.Kinds {
		_, err := store.Get(ctx, j, kind)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err), kind)
	}
	held, err := store.Held(ctx, j.ID.String())
	require.NoError(t, err)
	require.Empty(t, held)
	require.NoError(t, store.Scrub(ctx, j), "scrub is idempotent")
	require.NoError(t, store.Scrub(ctx, newJob(false)), "nothing to scrub is fine")

	// The other job keeps its secret.
	got, err := store.Get(ctx, other, custody.RuntimeToken)
	require.NoError(t, err)
	require.Equal(t, "runtime-of-other", got)
}

// TestNoValueAfterScrub: a workflow token minted after the job's secret
// was scrubbed is not stored (the secret is not brought back), and a
// destroyed value is not replaced.
func TestNoValueAfterScrub(t *testing.T) {
	ctx := context.Background()
	store, client, _ := newStore(t)
	j := newJob(true)
	require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-scrubbed", time.Now().Add(time.Hour)))
	require.NoError(t, store.Scrub(ctx, j))
	_, err := store.Ensure(ctx, j, custody.WorkflowToken, time.Now().Add(time.Hour), func() (string, error) { return "workflow-too-late", nil })
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	held, err := store.Held(ctx, j.ID.String())
	require.NoError(t, err)
	require.Empty(t, held)

	// A destroyed version stays NotFound: Ensure does not bring it back.
	k := newJob(false)
	require.NoError(t, store.Put(ctx, k, custody.WorkflowToken, "workflow-destroyed", time.Now().Add(time.Hour)))
	_, err = client.DestroySecretVersion(ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: jobSecretName(k.ID.String()) + "/versions/1"})
	require.NoError(t, err)
	_, err = store.Ensure(ctx, k, custody.WorkflowToken, time.Now().Add(time.Hour), func() (string, error) { return "workflow-resurrected", nil })
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
}

func TestBackendDownIsUnavailableWithoutValues(t *testing.T) {
	ctx := context.Background()
	store, _, running := newStore(t)
	j := newJob(true)
	require.NoError(t, store.Put(ctx, j, custody.RuntimeToken, "runtime-before-outage", time.Now().Add(time.Hour)))
	running.Stop()

	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}
	var errs []error
	errs = append(errs, store.Put(short(), j, custody.WorkflowToken, "workflow-during-outage", time.Now().Add(time.Hour)))
	_, err := store.Get(short(), j, custody.RuntimeToken)
	errs = append(errs, err)
	errs = append(errs, store.Scrub(short(), j))
	_, err = store.Held(short(), j.ID.String())
	errs = append(errs, err)
	for _, err := range errs {
		require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "%v", err)
		require.NotContains(t, err.Error(), "runtime-before-outage")
		require.NotContains(t, err.Error(), "workflow-during-outage")
	}
}

// Secret Manager refuses an expiration less than 60 s after the request
// reaches it: a job that ends in a moment (a short timeout, a deadline
// seconds away) still gets its secret, kept secretmanager.MinLifetime from now.
func TestPutKeepsGooglesExpirationFloor(t *testing.T) {
	ctx := context.Background()
	store, _, running := newStore(t)
	for name, in := range map[string]time.Duration{"past": -time.Hour, "1s": time.Second, "exactly 60s": time.Minute, "61s": 61 * time.Second} {
		t.Run(name, func(t *testing.T) {
			j := newJob(false)
			before := time.Now()
			require.NoError(t, store.Put(ctx, j, custody.WorkflowToken, "short-lived-"+j.ID.String(), before.Add(in)))
			secret, err := running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: jobSecretName(j.ID.String())})
			require.NoError(t, err)
			require.False(t, secret.GetExpireTime().AsTime().Before(before.Add(secretmanager.MinLifetime)),
				"expire_time %v is under the floor", secret.GetExpireTime().AsTime())
			got, err := store.Get(ctx, j, custody.WorkflowToken)
			require.NoError(t, err)
			require.Equal(t, "short-lived-"+j.ID.String(), got)
		})
	}
	require.Greater(t, secretmanager.MinLifetime, time.Minute, "a margin over Google's 60 s")
}
