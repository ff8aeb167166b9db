package config

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/secretmanager"
)

// One signing-key store per function instance: minting, job tokens and
// their verification share it, so the instance lists the key's versions
// (a Secret Manager read request, 600 a minute per project by default)
// once a cache period, not once per user of the key.
func TestOneKeyStorePerInstance(t *testing.T) {
	t.Setenv(secretmanager.EmulatorHostEnv, "127.0.0.1:1") // never dialled
	d := &Deps{Env: Env{Project: "p", TokenIssuer: "iss", WorkflowAudience: "aud"}}
	ctx := context.Background()
	keys, err := d.WorkflowKeys(ctx)
	require.NoError(t, err)
	again, err := d.WorkflowKeys(ctx)
	require.NoError(t, err)
	require.Same(t, keys, again)
	_, err = d.WorkflowMinter(ctx)
	require.NoError(t, err)
	_, err = d.JobTokenIssuer(ctx)
	require.NoError(t, err)
	require.Same(t, keys, d.keys, "the minter and the job token issuer use the same store")
}
