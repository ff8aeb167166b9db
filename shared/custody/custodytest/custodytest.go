// Package custodytest gives tests a custody.Store (secretmanager.JobSecrets) on an in-process Secret
// Manager emulator (emulators/secretmanager), stopped when the test ends.
package custodytest

import (
	"context"
	"testing"

	smapi "cloud.google.com/go/secretmanager/apiv1"
	"github.com/stretchr/testify/require"

	emulator "valet.dev/valet/emulators/secretmanager"
	"valet.dev/valet/shared/secretmanager"
)

// Project is the project the store's secrets live in.
const Project = "valet-test"

// Env is a running emulator and the clients on it.
type Env struct {
	Store    *secretmanager.JobSecrets
	Client   *smapi.Client
	Emulator *emulator.Running
}

// New starts an emulator and returns a store on it.
func New(t testing.TB) *Env {
	t.Helper()
	running, err := emulator.Start("127.0.0.1:0", emulator.Options{})
	require.NoError(t, err)
	t.Cleanup(running.Stop)
	client, err := secretmanager.NewClient(context.Background(), secretmanager.EmulatorOptions(running.Addr)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	return &Env{Store: secretmanager.NewJobSecrets(client, Project), Client: client, Emulator: running}
}

// Held returns the names of jobID's secrets still in Secret Manager.
func (e *Env) Held(t testing.TB, jobID string) []string {
	t.Helper()
	held, err := e.Store.Held(context.Background(), jobID)
	require.NoError(t, err)
	return held
}
