package dispatch_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/seal"
)

// TestSealedBundleOpensOnlyForItsKeyJobAndEpoch covers both KEMs: the
// bundle comes back as HPKE ciphertext that opens with the claim's private
// key for this job and epoch, and with nothing else.
func TestSealedBundleOpensOnlyForItsKeyJobAndEpoch(t *testing.T) {
	for _, kem := range []string{seal.KEMX25519, seal.KEMMLKEM768X25519} {
		t.Run(kem, func(t *testing.T) {
			e := newEnv(t)
			q := e.queued(t, t0)
			priv, pub, err := seal.GenerateKey(kem)
			require.NoError(t, err)
			other, _, err := seal.GenerateKey(kem)
			require.NoError(t, err)

			c := e.claim(t, "service:disp1", map[string]any{"worker": "w1", "sealTo": pub})
			raw := e.auth(t, q.ID, c.Lock.Epoch)
			var answer map[string]string
			require.NoError(t, json.Unmarshal(raw, &answer))
			require.Len(t, answer, 1, "only the ciphertext is returned")
			require.NotContains(t, string(raw), "X-Goog-Signature", "no URL in the clear")

			plain, err := seal.Open(priv, q.ID.String(), c.Lock.Epoch, answer["sealed"])
			require.NoError(t, err)
			b := decode[bundle](t, plain)
			require.Contains(t, b.Workspace.URL, "X-Goog-Signature")
			require.Contains(t, b.Output.URL, "X-Goog-Signature")

			_, err = seal.Open(other, q.ID.String(), c.Lock.Epoch, answer["sealed"])
			require.Error(t, err, "another private key")
			_, err = seal.Open(priv, q.ID.String(), c.Lock.Epoch+1, answer["sealed"])
			require.Error(t, err, "another epoch")
			_, err = seal.Open(priv, "j_"+strings.Repeat("a", 26), c.Lock.Epoch, answer["sealed"])
			require.Error(t, err, "another job")
		})
	}
}

func TestSingleUseBundleIsFetchedOnce(t *testing.T) {
	e := newEnv(t)
	logs := apitest.CaptureLogs(t)
	q := e.queued(t, t0)
	c := e.claim(t, "service:disp1", map[string]any{"worker": "w1", "singleUse": true})

	e.auth(t, q.ID, c.Lock.Epoch)
	status, raw := e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c.Lock.Epoch), nil)
	requireError(t, http.StatusGone, apperr.Gone, status, raw)
	require.Contains(t, logs.String(), `"anomaly":"bundle_refetch"`)

	// Handing the job back and claiming it again gives a new bundle.
	status, raw = e.call(t, "service:disp1", http.MethodPost, "/jobs/"+q.ID.String()+"/state", map[string]any{"epoch": c.Lock.Epoch, "state": "QUEUED"})
	require.Equal(t, http.StatusOK, status, string(raw))
	c2 := e.claim(t, "service:disp1", map[string]any{"worker": "w1", "singleUse": true})
	status, raw = e.call(t, "service:disp1", http.MethodGet, authPath(q.ID, c2.Lock.Epoch), nil)
	require.Equal(t, http.StatusOK, status, string(raw))
}

// TestReusableBundleIsFetchedAgain: without singleUse the holder may fetch
// the bundle as often as it needs.
func TestReusableBundleIsFetchedAgain(t *testing.T) {
	e := newEnv(t)
	q, c := e.claimedJob(t)
	for range 3 {
		e.auth(t, q.ID, c.Lock.Epoch)
	}
}
