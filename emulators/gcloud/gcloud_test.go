package gcloud

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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

// TestStartMovesOffAPortTakenMeanwhile: the port FreePort found can be
// taken before the emulator binds it (by another test's emulator on a busy
// machine). The emulator then exits; Start must not take the other
// server's answer for its emulator's, and tries another port.
func TestStartMovesOffAPortTakenMeanwhile(t *testing.T) {
	if testing.Short() {
		testenv.Missing(t, "-short: this test starts a Java emulator")
	}
	if err := Check(Firestore); err != nil {
		testenv.Missing(t, err.Error())
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer other.Close()
	taken := other.Listener.Addr().(*net.TCPAddr).Port
	picked := 0
	freePort = func() (int, error) {
		if picked++; picked == 1 {
			return taken, nil
		}
		return FreePort()
	}
	t.Cleanup(func() { freePort = FreePort })

	e, err := Start(t.Context(), Firestore, Options{})
	require.NoError(t, err)
	defer e.Stop()
	require.Equal(t, 2, picked, "Start tries a second port")
	require.NotEqual(t, other.Listener.Addr().String(), e.Host)

	_, err = Start(t.Context(), Firestore, Options{Port: taken})
	require.ErrorIs(t, err, errExited, "on a port the caller chose, the emulator's exit is the answer")
}

func TestReadyWatchSeesTheLineAcrossWrites(t *testing.T) {
	var out strings.Builder
	r := newReadyWatch(&out, Firestore.readyLine())
	for _, p := range []string{"[firestore] API endpoint\n[firestore] Dev App Se", "rver is now", " running.\n"} {
		require.False(t, r.isSeen())
		_, err := r.Write([]byte(p))
		require.NoError(t, err)
	}
	require.True(t, r.isSeen())
	_, err := r.Write([]byte("more\n"))
	require.NoError(t, err)
	require.Equal(t, "[firestore] API endpoint\n[firestore] Dev App Server is now running.\nmore\n", out.String())
}
