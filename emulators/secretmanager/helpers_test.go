package secretmanager

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	smclient "valet.dev/valet/shared/secretmanager"
	"valet.dev/valet/shared/testenv"
)

const testProject = "projects/test-project"

func newFakeClock() *testenv.Clock {
	return testenv.NewClock(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
}

// emulator is a running emulator and an official client connected to it.
type emulator struct {
	running *Running
	client  *smapi.Client
	clock   *testenv.Clock
	// ctx is the test's context (t.Context()): the test's calls go with
	// it, and it ends with the test.
	ctx context.Context
}

func startEmulator(t *testing.T) *emulator {
	t.Helper()
	return startEmulatorWith(t, Quotas{})
}

// startEmulatorWith starts an emulator with quotas and connects Google's
// client to it with its default call options (not the ones
// shared/secretmanager.NewClient sets).
func startEmulatorWith(t *testing.T, quotas Quotas) *emulator {
	t.Helper()
	clock := newFakeClock()
	running, err := Start("127.0.0.1:0", Options{Now: clock.Now, Quotas: quotas})
	require.NoError(t, err)
	t.Cleanup(running.Stop)
	client, err := smapi.NewClient(t.Context(), smclient.EmulatorOptions(running.Addr)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	return &emulator{running: running, client: client, clock: clock, ctx: t.Context()}
}

// startWithSecret starts an emulator holding one secret, "s", with no
// versions yet, and returns the secret's name.
func startWithSecret(t *testing.T) (*emulator, string) {
	t.Helper()
	e := startEmulator(t)
	return e, e.createSecret(t, "s", nil).GetName()
}

// create sends CreateSecret for secret as id in the test project.
func (e *emulator) create(id string, secret *secretmanagerpb.Secret) (*secretmanagerpb.Secret, error) {
	return e.client.CreateSecret(e.ctx, &secretmanagerpb.CreateSecretRequest{Parent: testProject, SecretId: id, Secret: secret})
}

// createSecret creates id in the test project with labels and automatic
// replication.
func (e *emulator) createSecret(t *testing.T, id string, labels map[string]string) *secretmanagerpb.Secret {
	t.Helper()
	secret, err := e.create(id, &secretmanagerpb.Secret{
		Replication: &secretmanagerpb.Replication{Replication: &secretmanagerpb.Replication_Automatic_{Automatic: &secretmanagerpb.Replication_Automatic{}}},
		Labels:      labels,
	})
	require.NoError(t, err)
	return secret
}

func (e *emulator) addVersion(t *testing.T, secret, data string) *secretmanagerpb.SecretVersion {
	t.Helper()
	v, err := e.client.AddSecretVersion(e.ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent:  secret,
		Payload: &secretmanagerpb.SecretPayload{Data: []byte(data)},
	})
	require.NoError(t, err)
	return v
}

func (e *emulator) access(name string) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	return e.client.AccessSecretVersion(e.ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: name})
}

// withTTL is a secret that expires d after it is created or updated (ttl).
func withTTL(d time.Duration) *secretmanagerpb.Secret {
	return &secretmanagerpb.Secret{Expiration: &secretmanagerpb.Secret_Ttl{Ttl: durationpb.New(d)}}
}

// expiringAt is a secret that expires at at (expire_time).
func expiringAt(at time.Time) *secretmanagerpb.Secret {
	return &secretmanagerpb.Secret{Expiration: &secretmanagerpb.Secret_ExpireTime{ExpireTime: timestamppb.New(at)}}
}

// update sends UpdateSecret for secret's fields named by paths (the
// update mask).
func (e *emulator) update(secret *secretmanagerpb.Secret, paths ...string) (*secretmanagerpb.Secret, error) {
	return e.client.UpdateSecret(e.ctx, &secretmanagerpb.UpdateSecretRequest{
		Secret: secret, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths},
	})
}

// names drains a list iterator (pass its Next) into the last segment of
// each listed name: secret ids or version numbers.
func names[T interface{ GetName() string }](t *testing.T, next func() (T, error)) []string {
	t.Helper()
	var out []string
	for {
		item, err := next()
		if errors.Is(err, iterator.Done) {
			return out
		}
		require.NoError(t, err)
		out = append(out, item.GetName()[strings.LastIndex(item.GetName(), "/")+1:])
	}
}

// requireCode asserts err is a gRPC status error with code want.
func requireCode(t *testing.T, err error, want codes.Code) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, want, status.Code(err), "error: %v", err)
}

// storedVersion returns the emulator's record of a secret's version number.
func (e *emulator) storedVersion(t *testing.T, secret string, number int) *versionRecord {
	t.Helper()
	s := e.running.Server
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.secrets[secret]
	require.True(t, ok, "secret %s is not stored", secret)
	require.GreaterOrEqual(t, len(rec.versions), number)
	return rec.versions[number-1]
}

// storedData reads a version record's payload under the server's lock.
func (e *emulator) storedData(v *versionRecord) []byte {
	e.running.Server.mu.Lock()
	defer e.running.Server.mu.Unlock()
	return v.data
}
