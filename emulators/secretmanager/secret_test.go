package secretmanager

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
)

func TestCreateAndGetSecret(t *testing.T) {
	e := startEmulator(t)

	created := e.createSecret(t, "job-token_1", map[string]string{"job": "j1"})
	require.Equal(t, testProject+"/secrets/job-token_1", created.GetName())
	require.Equal(t, e.clock.Now(), created.GetCreateTime().AsTime())
	require.Equal(t, map[string]string{"job": "j1"}, created.GetLabels())
	require.NotNil(t, created.GetReplication().GetAutomatic())
	require.NotEmpty(t, created.GetEtag())

	got, err := e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: created.GetName()})
	require.NoError(t, err)
	require.Equal(t, created.GetName(), got.GetName())
	require.Equal(t, created.GetLabels(), got.GetLabels())

	_, err = e.create("job-token_1", &secretmanagerpb.Secret{})
	requireCode(t, err, codes.AlreadyExists)

	// A project number is another project, taken as given.
	_, err = e.client.CreateSecret(e.ctx, &secretmanagerpb.CreateSecretRequest{
		Parent: "projects/123456", SecretId: "job-token_1", Secret: &secretmanagerpb.Secret{},
	})
	require.NoError(t, err)

	_, err = e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: testProject + "/secrets/missing"})
	requireCode(t, err, codes.NotFound)
}

func TestCreateSecretDefaultsReplicationToAutomatic(t *testing.T) {
	e := startEmulator(t)
	secret, err := e.create("s", &secretmanagerpb.Secret{})
	require.NoError(t, err)
	require.NotNil(t, secret.GetReplication().GetAutomatic())
}

func TestInvalidNamesAndIDs(t *testing.T) {
	e := startEmulator(t)
	e.createSecret(t, "s", nil)
	e.addVersion(t, testProject+"/secrets/s", "x")

	createCases := map[string]struct{ parent, id string }{
		"empty id":          {testProject, ""},
		"id with slash":     {testProject, "a/b"},
		"id with dot":       {testProject, "a.b"},
		"id too long":       {testProject, strings.Repeat("a", 256)},
		"parent not proj":   {"folders/1", "s2"},
		"parent too deep":   {testProject + "/secrets/s", "s2"},
		"parent empty":      {"", "s2"},
		"project has space": {"projects/a b", "s2"},
	}
	for name, tc := range createCases {
		t.Run("create "+name, func(t *testing.T) {
			_, err := e.client.CreateSecret(e.ctx, &secretmanagerpb.CreateSecretRequest{Parent: tc.parent, SecretId: tc.id, Secret: &secretmanagerpb.Secret{}})
			requireCode(t, err, codes.InvalidArgument)
		})
	}

	versionNames := []string{
		testProject + "/secrets/s",
		testProject + "/secrets/s/versions/",
		testProject + "/secrets/s/versions/0",
		testProject + "/secrets/s/versions/-1",
		testProject + "/secrets/s/versions/01",
		testProject + "/secrets/s/versions/LATEST",
		testProject + "/secrets/s/versions/1/extra",
		"secrets/s/versions/1",
	}
	for _, name := range versionNames {
		t.Run("access "+name, func(t *testing.T) {
			_, err := e.access(name)
			requireCode(t, err, codes.InvalidArgument)
		})
	}

	_, err := e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: "projects/p/secrets/a.b"})
	requireCode(t, err, codes.InvalidArgument)
	_, err = e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: "projects/p/locations/us/secrets/s"})
	requireCode(t, err, codes.Unimplemented)
}

func TestCreateSecretRejectsBadLabelsAndUnsupportedFields(t *testing.T) {
	e := startEmulator(t)
	cases := map[string]*secretmanagerpb.Secret{
		"uppercase label key":   {Labels: map[string]string{"Job": "x"}},
		"label key digit":       {Labels: map[string]string{"1job": "x"}},
		"uppercase label value": {Labels: map[string]string{"job": "X"}},
		"version aliases":       {VersionAliases: map[string]int64{"current": 1}},
		"rotation":              {Rotation: &secretmanagerpb.Rotation{}},
		"expire in the past":    expiringAt(e.clock.Now().Add(-time.Second)),
		"zero ttl":              withTTL(0),
	}
	for name, secret := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.create("s", secret)
			requireCode(t, err, codes.InvalidArgument)
		})
	}
}

func TestUpdateSecretLabels(t *testing.T) {
	e := startEmulator(t)
	created := e.createSecret(t, "s", map[string]string{"job": "j1"})

	updated, err := e.update(&secretmanagerpb.Secret{Name: created.GetName(), Labels: map[string]string{"job": "j2", "state": "final"}}, "labels")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"job": "j2", "state": "final"}, updated.GetLabels())
	require.NotEqual(t, created.GetEtag(), updated.GetEtag())

	got, err := e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: created.GetName()})
	require.NoError(t, err)
	require.Equal(t, updated.GetLabels(), got.GetLabels())

	// A stale etag is refused.
	_, err = e.update(&secretmanagerpb.Secret{Name: created.GetName(), Etag: created.GetEtag()}, "labels")
	requireCode(t, err, codes.FailedPrecondition)

	for name, mask := range map[string][]string{"empty mask": nil, "immutable field": {"replication"}} {
		t.Run(name, func(t *testing.T) {
			_, err := e.update(&secretmanagerpb.Secret{Name: created.GetName()}, mask...)
			requireCode(t, err, codes.InvalidArgument)
		})
	}
}

func TestListSecretsFilterOnLabels(t *testing.T) {
	e := startEmulator(t)
	e.createSecret(t, "a", map[string]string{"job": "j1", "kind": "workflow"})
	e.createSecret(t, "b", map[string]string{"job": "j2", "kind": "workflow"})
	e.createSecret(t, "c", map[string]string{"job": "j1", "kind": "runtime"})
	e.createSecret(t, "d", nil)

	cases := map[string][]string{
		"":                                       {"d", "c", "b", "a"},
		"labels.job=j1":                          {"c", "a"},
		"labels.job=j1 labels.kind=runtime":      {"c"},
		"labels.job=j1 AND labels.kind=workflow": {"a"},
		"labels.job=j2 OR labels.kind=runtime":   {"c", "b"},
		"NOT labels.job=j1":                      {"d", "b"},
		"-labels.job:*":                          {"d"},
		"labels:kind":                            {"c", "b", "a"},
		`labels.job="j1" AND (name:a OR name:d)`: {"a"},
		"name=b":                                 {"b"},
		"labels.job!=j1":                         {"d", "b"},
		"labels.job=nope":                        nil,
	}
	for filter, want := range cases {
		t.Run(filter, func(t *testing.T) {
			it := e.client.ListSecrets(e.ctx, &secretmanagerpb.ListSecretsRequest{Parent: testProject, Filter: filter})
			require.Equal(t, want, names(t, it.Next))
		})
	}

	for _, bad := range []string{"labels.job", "labels.job<j1", "color=red", "(labels.job=j1", "labels=x", "labels.job=j1 OR"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := e.client.ListSecrets(e.ctx, &secretmanagerpb.ListSecretsRequest{Parent: testProject, Filter: bad}).Next()
			requireCode(t, err, codes.InvalidArgument)
		})
	}
}

func TestListSecretsPagination(t *testing.T) {
	e := startEmulator(t)
	for i := range 7 {
		e.createSecret(t, fmt.Sprintf("s%d", i), nil)
	}
	// Another project's secrets never show.
	_, err := e.client.CreateSecret(e.ctx, &secretmanagerpb.CreateSecretRequest{Parent: "projects/other", SecretId: "x", Secret: &secretmanagerpb.Secret{}})
	require.NoError(t, err)

	var pages [][]string
	token := ""
	for {
		resp, err := e.running.Server.ListSecrets(e.ctx, &secretmanagerpb.ListSecretsRequest{Parent: testProject, PageSize: 3, PageToken: token})
		require.NoError(t, err)
		if len(pages) == 0 {
			require.EqualValues(t, 7, resp.GetTotalSize())
		}
		var names []string
		for _, s := range resp.GetSecrets() {
			names = append(names, strings.TrimPrefix(s.GetName(), testProject+"/secrets/"))
		}
		pages = append(pages, names)
		token = resp.GetNextPageToken()
		if token == "" {
			break
		}
		// A secret created between pages lands before the cursor and does
		// not shift the pages still to come.
		if len(pages) == 1 {
			e.createSecret(t, "late", nil)
		}
	}
	require.Equal(t, [][]string{{"s6", "s5", "s4"}, {"s3", "s2", "s1"}, {"s0"}}, pages)

	// The official iterator walks every page.
	it := e.client.ListSecrets(e.ctx, &secretmanagerpb.ListSecretsRequest{Parent: testProject, PageSize: 2})
	require.Len(t, names(t, it.Next), 8)

	for name, req := range map[string]*secretmanagerpb.ListSecretsRequest{
		"garbage token":       {Parent: testProject, PageToken: "not-a-token"},
		"token of other list": {Parent: testProject, Filter: "name:s", PageToken: pagerToken(t, e, testProject, "")},
		"negative page size":  {Parent: testProject, PageSize: -1},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.running.Server.ListSecrets(e.ctx, req)
			requireCode(t, err, codes.InvalidArgument)
		})
	}
}

// pagerToken returns the first page's next token for a ListSecrets call.
func pagerToken(t *testing.T, e *emulator, parent, filter string) string {
	t.Helper()
	resp, err := e.running.Server.ListSecrets(e.ctx, &secretmanagerpb.ListSecretsRequest{Parent: parent, Filter: filter, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, resp.GetNextPageToken())
	return resp.GetNextPageToken()
}

func TestDeleteSecret(t *testing.T) {
	e := startEmulator(t)
	secret := e.createSecret(t, "s", nil)
	e.addVersion(t, secret.GetName(), "payload")

	err := e.client.DeleteSecret(e.ctx, &secretmanagerpb.DeleteSecretRequest{Name: secret.GetName(), Etag: `"stale"`})
	requireCode(t, err, codes.FailedPrecondition)

	require.NoError(t, e.client.DeleteSecret(e.ctx, &secretmanagerpb.DeleteSecretRequest{Name: secret.GetName(), Etag: secret.GetEtag()}))
	_, err = e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: secret.GetName()})
	requireCode(t, err, codes.NotFound)
	_, err = e.access(secret.GetName() + "/versions/latest")
	requireCode(t, err, codes.NotFound)
	_, err = e.access(secret.GetName() + "/versions/1")
	requireCode(t, err, codes.NotFound)
	err = e.client.DeleteSecret(e.ctx, &secretmanagerpb.DeleteSecretRequest{Name: secret.GetName()})
	requireCode(t, err, codes.NotFound)

	// The id is free again, and the new secret starts from version 1.
	again := e.createSecret(t, "s", nil)
	require.Equal(t, again.GetName()+"/versions/1", e.addVersion(t, again.GetName(), "new").GetName())
}

func TestSecretExpiry(t *testing.T) {
	cases := map[string]func(now time.Time) *secretmanagerpb.Secret{
		"ttl":         func(time.Time) *secretmanagerpb.Secret { return withTTL(time.Hour) },
		"expire_time": func(now time.Time) *secretmanagerpb.Secret { return expiringAt(now.Add(time.Hour)) },
	}
	for name, secretAt := range cases {
		t.Run(name, func(t *testing.T) {
			e := startEmulator(t)
			created, err := e.create("s", secretAt(e.clock.Now()))
			require.NoError(t, err)
			require.Equal(t, e.clock.Now().Add(time.Hour), created.GetExpireTime().AsTime())
			require.Nil(t, created.GetTtl(), "ttl is input only")
			e.addVersion(t, created.GetName(), "payload")
			v1 := e.storedVersion(t, created.GetName(), 1)

			e.clock.Advance(time.Hour - time.Second)
			got, err := e.access(created.GetName() + "/versions/latest")
			require.NoError(t, err)
			require.Equal(t, "payload", string(got.GetPayload().GetData()))

			e.clock.Advance(time.Second)
			_, err = e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: created.GetName()})
			requireCode(t, err, codes.NotFound)
			_, err = e.access(created.GetName() + "/versions/1")
			requireCode(t, err, codes.NotFound)
			require.Nil(t, e.storedData(v1), "an expired secret's payloads are dropped")

			_, err = e.client.ListSecrets(e.ctx, &secretmanagerpb.ListSecretsRequest{Parent: testProject}).Next()
			require.ErrorIs(t, err, iterator.Done)
			e.createSecret(t, "s", nil) // the id is free again
		})
	}
}

func TestUpdateSecretExpiration(t *testing.T) {
	e := startEmulator(t)
	secret := e.createSecret(t, "s", nil)
	require.Nil(t, secret.GetExpireTime())

	ttl := withTTL(time.Minute)
	ttl.Name = secret.GetName()
	updated, err := e.update(ttl, "ttl")
	require.NoError(t, err)
	require.Equal(t, e.clock.Now().Add(time.Minute), updated.GetExpireTime().AsTime())

	cleared, err := e.update(&secretmanagerpb.Secret{Name: secret.GetName()}, "expire_time")
	require.NoError(t, err)
	require.Nil(t, cleared.GetExpireTime())
	e.clock.Advance(time.Hour)
	_, err = e.client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: secret.GetName()})
	require.NoError(t, err)
}
