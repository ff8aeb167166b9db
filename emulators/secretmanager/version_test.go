package secretmanager

import (
	"fmt"
	"hash/crc32"
	"sync"
	"testing"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

func TestAddAndAccessVersions(t *testing.T) {
	e, secret := startWithSecret(t)

	_, err := e.access(secret + "/versions/latest")
	requireCode(t, err, codes.NotFound) // no versions yet

	v1 := e.addVersion(t, secret, "first")
	require.Equal(t, secret+"/versions/1", v1.GetName())
	require.Equal(t, secretmanagerpb.SecretVersion_ENABLED, v1.GetState())
	require.False(t, v1.GetClientSpecifiedPayloadChecksum())
	require.NotNil(t, v1.GetReplicationStatus().GetAutomatic())
	v2 := e.addVersion(t, secret, "second")
	require.Equal(t, secret+"/versions/2", v2.GetName())

	cases := map[string]struct{ name, wantName, wantData string }{
		"version 1": {secret + "/versions/1", secret + "/versions/1", "first"},
		"version 2": {secret + "/versions/2", secret + "/versions/2", "second"},
		"latest":    {secret + "/versions/latest", secret + "/versions/2", "second"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := e.access(tc.name)
			require.NoError(t, err)
			require.Equal(t, tc.wantName, got.GetName())
			require.Equal(t, tc.wantData, string(got.GetPayload().GetData()))
			require.NotNil(t, got.GetPayload().DataCrc32C)
			require.Equal(t, int64(crc32.Checksum([]byte(tc.wantData), crc32.MakeTable(crc32.Castagnoli))), got.GetPayload().GetDataCrc32C())
		})
	}

	meta, err := e.client.GetSecretVersion(e.ctx, &secretmanagerpb.GetSecretVersionRequest{Name: secret + "/versions/latest"})
	require.NoError(t, err)
	require.Equal(t, v2.GetName(), meta.GetName())

	_, err = e.access(secret + "/versions/3")
	requireCode(t, err, codes.NotFound)
	_, err = e.access(testProject + "/secrets/missing/versions/1")
	requireCode(t, err, codes.NotFound)
	_, err = e.client.AddSecretVersion(e.ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent: testProject + "/secrets/missing", Payload: &secretmanagerpb.SecretPayload{Data: []byte("x")},
	})
	requireCode(t, err, codes.NotFound)
}

func TestAddSecretVersionPayloadChecks(t *testing.T) {
	e, secret := startWithSecret(t)
	data := []byte("workflow-token")
	good := int64(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	bad := good ^ 1
	ieee := int64(crc32.ChecksumIEEE(data)) // the wrong polynomial

	v, err := e.client.AddSecretVersion(e.ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent: secret, Payload: &secretmanagerpb.SecretPayload{Data: data, DataCrc32C: &good},
	})
	require.NoError(t, err)
	require.True(t, v.GetClientSpecifiedPayloadChecksum())

	for name, payload := range map[string]*secretmanagerpb.SecretPayload{
		"crc32c mismatch":    {Data: data, DataCrc32C: &bad},
		"ieee crc":           {Data: data, DataCrc32C: &ieee},
		"empty payload":      {},
		"no payload":         nil,
		"payload over 64KiB": {Data: make([]byte, 64*1024+1)},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.client.AddSecretVersion(e.ctx, &secretmanagerpb.AddSecretVersionRequest{Parent: secret, Payload: payload})
			requireCode(t, err, codes.InvalidArgument)
		})
	}
	_, err = e.client.AddSecretVersion(e.ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent: secret, Payload: &secretmanagerpb.SecretPayload{Data: make([]byte, 64*1024)},
	})
	require.NoError(t, err, "exactly 64 KiB is allowed")

	it := e.client.ListSecretVersions(e.ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: secret})
	require.Equal(t, []string{"2", "1"}, names(t, it.Next), "refused payloads leave no version behind")
}

func TestVersionStates(t *testing.T) {
	e, secret := startWithSecret(t)
	e.addVersion(t, secret, "one")
	e.addVersion(t, secret, "two")
	v2 := secret + "/versions/2"

	disabled, err := e.client.DisableSecretVersion(e.ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: v2})
	require.NoError(t, err)
	require.Equal(t, secretmanagerpb.SecretVersion_DISABLED, disabled.GetState())
	for _, name := range []string{v2, secret + "/versions/latest"} {
		_, err = e.access(name)
		requireCode(t, err, codes.FailedPrecondition) // latest does not fall back to version 1
	}
	got, err := e.access(secret + "/versions/1")
	require.NoError(t, err)
	require.Equal(t, "one", string(got.GetPayload().GetData()))

	_, err = e.client.EnableSecretVersion(e.ctx, &secretmanagerpb.EnableSecretVersionRequest{Name: v2, Etag: `"stale"`})
	requireCode(t, err, codes.FailedPrecondition)
	enabled, err := e.client.EnableSecretVersion(e.ctx, &secretmanagerpb.EnableSecretVersionRequest{Name: v2, Etag: disabled.GetEtag()})
	require.NoError(t, err)
	require.Equal(t, secretmanagerpb.SecretVersion_ENABLED, enabled.GetState())
	got, err = e.access(secret + "/versions/latest")
	require.NoError(t, err)
	require.Equal(t, "two", string(got.GetPayload().GetData()))

	stored := e.storedVersion(t, secret, 2)
	e.clock.Advance(42)
	destroyed, err := e.client.DestroySecretVersion(e.ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: v2})
	require.NoError(t, err)
	require.Equal(t, secretmanagerpb.SecretVersion_DESTROYED, destroyed.GetState())
	require.Equal(t, e.clock.Now(), destroyed.GetDestroyTime().AsTime())
	require.Nil(t, e.storedData(stored), "a destroyed version's payload is gone from memory")
	_, err = e.access(v2)
	requireCode(t, err, codes.FailedPrecondition)
	_, err = e.access(secret + "/versions/latest")
	requireCode(t, err, codes.FailedPrecondition)

	// DESTROYED is final.
	_, err = e.client.DestroySecretVersion(e.ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: v2})
	requireCode(t, err, codes.FailedPrecondition)
	_, err = e.client.EnableSecretVersion(e.ctx, &secretmanagerpb.EnableSecretVersionRequest{Name: v2})
	requireCode(t, err, codes.FailedPrecondition)
	_, err = e.client.DisableSecretVersion(e.ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: v2})
	requireCode(t, err, codes.FailedPrecondition)

	meta, err := e.client.GetSecretVersion(e.ctx, &secretmanagerpb.GetSecretVersionRequest{Name: v2})
	require.NoError(t, err)
	require.Equal(t, secretmanagerpb.SecretVersion_DESTROYED, meta.GetState())

	// A new version becomes latest again.
	e.addVersion(t, secret, "three")
	got, err = e.access(secret + "/versions/latest")
	require.NoError(t, err)
	require.Equal(t, secret+"/versions/3", got.GetName())

	_, err = e.client.DisableSecretVersion(e.ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: secret + "/versions/9"})
	requireCode(t, err, codes.NotFound)
}

func TestListSecretVersionsPagesAndStateFilter(t *testing.T) {
	e, secret := startWithSecret(t)
	for i := 1; i <= 5; i++ {
		e.addVersion(t, secret, fmt.Sprintf("v%d", i))
	}
	_, err := e.client.DisableSecretVersion(e.ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: secret + "/versions/2"})
	require.NoError(t, err)
	_, err = e.client.DestroySecretVersion(e.ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: secret + "/versions/4"})
	require.NoError(t, err)

	cases := map[string][]string{
		"":                                  {"5", "4", "3", "2", "1"},
		"state:ENABLED":                     {"5", "3", "1"},
		"state=disabled":                    {"2"},
		"state:DESTROYED OR state:DISABLED": {"4", "2"},
		"NOT state:ENABLED":                 {"4", "2"},
	}
	for filter, want := range cases {
		t.Run(filter, func(t *testing.T) {
			it := e.client.ListSecretVersions(e.ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: secret, Filter: filter, PageSize: 2})
			require.Equal(t, want, names(t, it.Next))
		})
	}

	resp, err := e.running.Server.ListSecretVersions(e.ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: secret, PageSize: 2})
	require.NoError(t, err)
	require.Len(t, resp.GetVersions(), 2)
	require.EqualValues(t, 5, resp.GetTotalSize())
	require.NotEmpty(t, resp.GetNextPageToken())
	resp, err = e.running.Server.ListSecretVersions(e.ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: secret, PageSize: 5})
	require.NoError(t, err)
	require.Empty(t, resp.GetNextPageToken(), "an exactly full last page has no next token")

	_, err = e.client.ListSecretVersions(e.ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: secret, Filter: "labels.a=b"}).Next()
	requireCode(t, err, codes.InvalidArgument)
	_, err = e.client.ListSecretVersions(e.ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: testProject + "/secrets/missing"}).Next()
	requireCode(t, err, codes.NotFound)
}

func TestConcurrentAddSecretVersion(t *testing.T) {
	e, secret := startWithSecret(t)

	const writers = 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.client.AddSecretVersion(e.ctx, &secretmanagerpb.AddSecretVersionRequest{
				Parent: secret, Payload: &secretmanagerpb.SecretPayload{Data: []byte(fmt.Sprintf("writer-%d", i))},
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	seen := map[string]bool{}
	for n := 1; n <= writers; n++ {
		got, err := e.access(fmt.Sprintf("%s/versions/%d", secret, n))
		require.NoError(t, err)
		data := string(got.GetPayload().GetData())
		require.False(t, seen[data], "payload %s stored twice", data)
		seen[data] = true
	}
	require.Len(t, seen, writers)
	latest, err := e.access(secret + "/versions/latest")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%s/versions/%d", secret, writers), latest.GetName())
	_, err = e.access(fmt.Sprintf("%s/versions/%d", secret, writers+1))
	requireCode(t, err, codes.NotFound)
}
