package secretmanager_test

import (
	"context"
	"testing"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	emulator "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/shared/secretmanager"
)

func TestNewClientHonoursEmulatorHost(t *testing.T) {
	running, err := emulator.Start("127.0.0.1:0", emulator.Options{})
	require.NoError(t, err)
	t.Cleanup(running.Stop)
	t.Setenv(secretmanager.EmulatorHostEnv, running.Addr)

	ctx := context.Background()
	client, err := secretmanager.NewClient(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })

	secret, err := client.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{
		Parent: "projects/valet-dev", SecretId: "probe", Secret: &secretmanagerpb.Secret{},
	})
	require.NoError(t, err)
	_, err = client.AddSecretVersion(ctx, &secretmanagerpb.AddSecretVersionRequest{
		Parent: secret.GetName(), Payload: &secretmanagerpb.SecretPayload{Data: []byte("value")},
	})
	require.NoError(t, err)
	got, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: secret.GetName() + "/versions/latest"})
	require.NoError(t, err)
	require.Equal(t, "value", string(got.GetPayload().GetData()))

	// The request reached this emulator, not some other Secret Manager.
	_, err = running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: secret.GetName()})
	require.NoError(t, err)
}

func TestNewClientEmulatorOptionsReachOnlyThatHost(t *testing.T) {
	running, err := emulator.Start("127.0.0.1:0", emulator.Options{})
	require.NoError(t, err)
	t.Cleanup(running.Stop)
	other, err := emulator.Start("127.0.0.1:0", emulator.Options{})
	require.NoError(t, err)
	t.Cleanup(other.Stop)
	t.Setenv(secretmanager.EmulatorHostEnv, running.Addr)

	ctx := context.Background()
	// Caller options come last and win: this client talks to other.
	client, err := secretmanager.NewClient(ctx, secretmanager.EmulatorOptions(other.Addr)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	_, err = client.CreateSecret(ctx, &secretmanagerpb.CreateSecretRequest{Parent: "projects/p", SecretId: "s", Secret: &secretmanagerpb.Secret{}})
	require.NoError(t, err)

	_, err = running.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: "projects/p/secrets/s"})
	require.Equal(t, codes.NotFound, status.Code(err))
	_, err = other.Server.GetSecret(ctx, &secretmanagerpb.GetSecretRequest{Name: "projects/p/secrets/s"})
	require.NoError(t, err)
}
