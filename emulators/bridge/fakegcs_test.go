package bridge_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/bridge"
)

// TestFakeGCSToReceiver wires the local chain end to end, in process:
// fake-gcs-server publishes a finalize notification to pstest, the bridge
// pulls it and POSTs the CloudEvent to the receiver.
func TestFakeGCSToReceiver(t *testing.T) {
	ps, client := newPubSub(t)
	// fake-gcs-server's pubsub client finds pstest through the emulator variable.
	t.Setenv("PUBSUB_EMULATOR_HOST", ps.Addr)
	gcs, err := fakestorage.NewServerWithOptions(fakestorage.Options{
		NoListener: true,
		EventOptions: fakestorage.EventManagerOptions{
			ProjectID: project,
			TopicName: topic,
			NotifyOn:  fakestorage.EventNotificationOptions{Finalize: true},
		},
	})
	require.NoError(t, err)
	t.Cleanup(gcs.Stop)
	gcs.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: "jobs"})

	rcv, target := newReceiver(t, nil)
	run(t, options(t, client, target.URL+"/finalize"))

	w := gcs.Client().Bucket("jobs").Object("jobs/j1/workspace.tar.gz").NewWriter(context.Background())
	w.ContentType = "application/gzip"
	_, err = w.Write([]byte("abc"))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	generation := strconv.FormatInt(w.Attrs().Generation, 10)

	got := rcv.wait(t, 1)
	h := got[0].header
	require.Equal(t, "google.cloud.storage.object.v1.finalized", h.Get("ce-type"))
	require.Equal(t, bridge.SourcePrefix+"jobs", h.Get("ce-source"))
	require.Equal(t, "objects/jobs/j1/workspace.tar.gz", h.Get("ce-subject"))
	require.NotEmpty(t, h.Get("ce-id"))
	require.Equal(t, "jobs", got[0].body["bucket"])
	require.Equal(t, "jobs/j1/workspace.tar.gz", got[0].body["name"])
	require.Equal(t, generation, got[0].body["generation"])
	require.Equal(t, "3", got[0].body["size"])
	require.Equal(t, "application/gzip", got[0].body["contentType"])
	acked(t, ps, h.Get("ce-id"))
}
