package secretmanager

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
)

// Google refuses an expiration less than 60 s or more than 100 years away,
// whether given as ttl or expire_time, on create and on update.
func TestExpirationBounds(t *testing.T) {
	e := startEmulator(t)
	now := e.clock.Now()
	cases := []struct {
		name   string
		secret *secretmanagerpb.Secret
		ok     bool
	}{
		{"ttl 59s", withTTL(59 * time.Second), false},
		{"ttl 60s", withTTL(60 * time.Second), true},
		{"ttl 100y", withTTL(now.AddDate(100, 0, 0).Sub(now)), true},
		{"ttl 100y+1s", withTTL(now.AddDate(100, 0, 0).Sub(now) + time.Second), false},
		{"ttl negative", withTTL(-time.Hour), false},
		{"expire now+60s-1ns", expiringAt(now.Add(time.Minute - time.Nanosecond)), false},
		{"expire now+60s", expiringAt(now.Add(time.Minute)), true},
		{"expire now+100y", expiringAt(now.AddDate(100, 0, 0)), true},
		{"expire now+100y+1s", expiringAt(now.AddDate(100, 0, 0).Add(time.Second)), false},
		{"expire in the past", expiringAt(now.Add(-time.Second)), false},
	}
	base := e.createSecret(t, "base", nil)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.create(fmt.Sprintf("s%d", i), c.secret)
			update := expirationOnly(c.secret)
			update.Name = base.GetName()
			_, uerr := e.update(update, "expire_time")
			if c.ok {
				require.NoError(t, err)
				require.NoError(t, uerr)
				return
			}
			requireCode(t, err, codes.InvalidArgument)
			requireCode(t, uerr, codes.InvalidArgument)
		})
	}
}

func expirationOnly(s *secretmanagerpb.Secret) *secretmanagerpb.Secret {
	return &secretmanagerpb.Secret{Expiration: s.Expiration}
}

// Labels and annotations follow the rules of Secret in resources.proto:
// at most 64 labels, keys of 1 to 63 lowercase characters starting with a
// letter, values of up to 63; annotation keys of 1 to 63 characters,
// alphanumeric at both ends, and keys and values together under 16 KiB.
func TestLabelAndAnnotationLimits(t *testing.T) {
	e := startEmulator(t)
	labels := func(n int) map[string]string {
		m := map[string]string{}
		for i := range n {
			m[fmt.Sprintf("k%d", i)] = "v"
		}
		return m
	}
	cases := []struct {
		name   string
		secret *secretmanagerpb.Secret
		ok     bool
	}{
		{"64 labels", &secretmanagerpb.Secret{Labels: labels(64)}, true},
		{"65 labels", &secretmanagerpb.Secret{Labels: labels(65)}, false},
		{"label key 63", &secretmanagerpb.Secret{Labels: map[string]string{"a" + strings.Repeat("b", 62): "v"}}, true},
		{"label key 64", &secretmanagerpb.Secret{Labels: map[string]string{"a" + strings.Repeat("b", 63): "v"}}, false},
		{"empty label key", &secretmanagerpb.Secret{Labels: map[string]string{"": "v"}}, false},
		{"label value 63", &secretmanagerpb.Secret{Labels: map[string]string{"k": strings.Repeat("v", 63)}}, true},
		{"label value 64", &secretmanagerpb.Secret{Labels: map[string]string{"k": strings.Repeat("v", 64)}}, false},
		{"empty label value", &secretmanagerpb.Secret{Labels: map[string]string{"k": ""}}, true},
		{"label value with dot", &secretmanagerpb.Secret{Labels: map[string]string{"k": "a.b"}}, false},
		{"annotation key with dot", &secretmanagerpb.Secret{Annotations: map[string]string{"a.B-c_d": "Any Value!"}}, true},
		{"annotation key 64", &secretmanagerpb.Secret{Annotations: map[string]string{strings.Repeat("a", 64): "v"}}, false},
		{"annotation key ends with dot", &secretmanagerpb.Secret{Annotations: map[string]string{"a.": "v"}}, false},
		{"annotations under 16KiB", &secretmanagerpb.Secret{Annotations: map[string]string{"k": strings.Repeat("v", 16*1024-2)}}, true},
		{"annotations of 16KiB", &secretmanagerpb.Secret{Annotations: map[string]string{"k": strings.Repeat("v", 16*1024-1)}}, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.create(fmt.Sprintf("s%d", i), c.secret)
			if c.ok {
				require.NoError(t, err)
			} else {
				requireCode(t, err, codes.InvalidArgument)
			}
		})
	}
}

// Each project has per-minute quotas of read, write and access requests;
// over them the service answers RESOURCE_EXHAUSTED until the next minute.
func TestQuotas(t *testing.T) {
	e := startEmulatorWith(t, Quotas{ReadPerMinute: 2, WritePerMinute: 3, AccessPerMinute: 1})
	client, clock, running := e.client, e.clock, e.running

	secret := e.createSecret(t, "s", nil)                // write 1
	e.addVersion(t, secret.GetName(), "v")               // write 2
	_, err := e.access(secret.GetName() + "/versions/1") // access 1
	require.NoError(t, err)
	get := func(project string) error {
		_, err := client.GetSecret(e.ctx, &secretmanagerpb.GetSecretRequest{Name: project + "/secrets/s"})
		return err
	}
	require.NoError(t, get(testProject)) // read 1
	_, err = client.ListSecrets(e.ctx, &secretmanagerpb.ListSecretsRequest{Parent: testProject}).Next()
	require.NoError(t, err) // read 2
	requireCode(t, get(testProject), codes.ResourceExhausted)
	requireCode(t, get("projects/other"), codes.NotFound) // another project has its own quota
	_, err = client.DisableSecretVersion(e.ctx, &secretmanagerpb.DisableSecretVersionRequest{Name: secret.GetName() + "/versions/1"})
	require.NoError(t, err) // write 3: writes are counted apart from reads
	_, err = client.EnableSecretVersion(e.ctx, &secretmanagerpb.EnableSecretVersionRequest{Name: secret.GetName() + "/versions/1"})
	requireCode(t, err, codes.ResourceExhausted)

	clock.Advance(time.Minute)
	require.NoError(t, get(testProject), "a new minute refills the quota")
	calls := running.Server.Calls()
	require.Equal(t, int64(4), calls["GetSecret"])
	require.Equal(t, int64(1), calls["AccessSecretVersion"])
}

func TestDefaultQuotasAreGoogles(t *testing.T) {
	m := newMeter(Quotas{})
	require.Equal(t, [3]int{readRequest: 600, writeRequest: 600, accessRequest: 90_000}, m.limits)
	require.Equal(t, [3]int{}, newMeter(Quotas{ReadPerMinute: -1, WritePerMinute: -1, AccessPerMinute: -1}).limits)
	for method, want := range map[string]quotaKind{
		"AccessSecretVersion": accessRequest, "GetSecretVersion": readRequest, "ListSecrets": readRequest,
		"ListSecretVersions": readRequest, "GetSecret": readRequest, "GetIamPolicy": readRequest,
		"CreateSecret": writeRequest, "AddSecretVersion": writeRequest, "DestroySecretVersion": writeRequest,
		"DeleteSecret": writeRequest, "UpdateSecret": writeRequest, "DisableSecretVersion": writeRequest,
	} {
		require.Equal(t, want, kindOf(method), method)
	}
}
