package gcloud

import (
	"context"
	"net/http"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/testenv"
)

func TestStartStopLeavesNoProcess(t *testing.T) {
	if testing.Short() {
		testenv.Missing(t, "-short: this test starts a Java emulator")
	}
	if err := Check(Firestore); err != nil {
		testenv.Missing(t, err.Error())
	}
	e, err := Start(context.Background(), Firestore, Options{})
	require.NoError(t, err)
	resp, err := http.Get("http://" + e.Host + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	pgid := e.PGID()
	e.Stop()
	require.Error(t, syscall.Kill(-pgid, 0), "process group %d still has members after Stop", pgid)
	_, err = http.Get("http://" + e.Host + "/")
	require.Error(t, err, "the port still answers after Stop")
}

func TestEnvVar(t *testing.T) {
	require.Equal(t, "FIRESTORE_EMULATOR_HOST", Firestore.EnvVar())
	require.Equal(t, "PUBSUB_EMULATOR_HOST", PubSub.EnvVar())
}
