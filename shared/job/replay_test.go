package job

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Each workspace upload URL names a key of its own, used up by the first
// upload that reaches it: uploads at an older key, or at a used-up one
// (a URL replayed after its object was deleted), are deleted and leave no
// trace on the job.
func TestWorkspaceKeysAreSingleUse(t *testing.T) {
	j := newJob()
	first, err := j.NewWorkspaceKey(t0)
	require.NoError(t, err)
	second, err := j.NewWorkspaceKey(t0)
	require.NoError(t, err)
	require.Equal(t, first+1, second)

	before := *j
	ev, rejected, err := j.WorkspaceArrived(Arrival{Generation: 1, SizeBytes: 100, MD5: "md5==", Epoch: first}, t0)
	require.ErrorIs(t, err, ErrDuplicate, "an upload through a URL minted before the last writes nothing")
	require.True(t, rejected, "and is deleted")
	require.Empty(t, ev)
	require.Equal(t, before.EventSeq, j.EventSeq)

	bad := Arrival{Generation: 2, SizeBytes: 101, MD5: "md5==", Epoch: second}
	ev, rejected, err = j.WorkspaceArrived(bad, t0)
	require.NoError(t, err)
	require.True(t, rejected)
	require.Len(t, ev, 1, "the first upload at the open key is judged, and uses the key up")
	seq := j.EventSeq
	for gen := int64(3); gen < 40; gen++ {
		ev, rejected, err = j.WorkspaceArrived(Arrival{Generation: gen, SizeBytes: 100, MD5: "md5==", Epoch: second}, t0)
		require.ErrorIs(t, err, ErrDuplicate, "a replay of a used-up URL writes nothing, whatever its bytes")
		require.True(t, rejected)
		require.Empty(t, ev)
	}
	require.Equal(t, seq, j.EventSeq)
	require.Equal(t, AwaitingWorkspace, j.State)

	third, err := j.NewWorkspaceKey(t0)
	require.NoError(t, err)
	_, rejected, err = j.WorkspaceArrived(Arrival{Generation: 50, SizeBytes: 100, MD5: "md5==", Epoch: third}, t0)
	require.NoError(t, err)
	require.False(t, rejected)
	require.Equal(t, Queued, j.State)
	require.Equal(t, third, j.Workspace.Epoch, "the dispatcher downloads the key that was accepted")
	_, err = j.NewWorkspaceKey(t0)
	require.Error(t, err, "a queued job takes no more upload URLs")
	_, rejected, err = j.WorkspaceArrived(Arrival{Generation: 51, SizeBytes: 100, MD5: "md5==", Epoch: third}, t0)
	require.ErrorIs(t, err, ErrDuplicate, "the accepted key is used up too")
	require.True(t, rejected)
}

// The UPLOAD_REJECTED events of a job are capped at MaxRejectedEvents; the
// rejections after them are counted, not appended.
func TestRejectedUploadEventsAreCapped(t *testing.T) {
	j := locked(t)
	_, err := j.Report("disp", j.Lock.Epoch, Queued, "", t0)
	require.NoError(t, err)
	_, err = j.Claim("disp", "w2", DefaultLease, t0)
	require.NoError(t, err)
	stale := j.Lock.Epoch - 1

	var events []Event
	const replays = 3 * MaxRejectedEvents
	for gen := int64(1); gen <= replays; gen++ {
		ev, rejected, err := j.ArtifactArrived(OutputKind, Arrival{Generation: gen, SizeBytes: 1, Epoch: stale}, t0)
		require.NoError(t, err)
		require.True(t, rejected, "every replay's bytes are deleted")
		events = append(events, ev...)
	}
	require.Len(t, events, MaxRejectedEvents)
	require.Contains(t, events[MaxRejectedEvents-1].Message, "further rejected uploads are only counted")
	require.EqualValues(t, replays, j.RejectedUploads)
	require.Len(t, j.Rejected, maxRejected)
	require.Equal(t, Locked, j.State)
}
