package job

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newJob() *Job {
	return &Job{ID: "j1", Owner: "u1", State: AwaitingWorkspace, MaxAttempts: 3, TimeoutSeconds: 3600,
		Workspace: Artifact{SizeBytes: 100, MD5: "md5=="}, UploadDeadline: t0.Add(UploadWindow)}
}

func queued(t *testing.T) *Job {
	j := newJob()
	_, rejected, err := j.WorkspaceArrived(Arrival{Generation: 7, SizeBytes: 100, MD5: "md5=="}, t0)
	require.NoError(t, err)
	require.False(t, rejected)
	return j
}

func locked(t *testing.T) *Job {
	j := queued(t)
	_, err := j.Claim("disp", "w1", DefaultLease, t0)
	require.NoError(t, err)
	return j
}

func TestWorkspaceArrivedQueuesOnce(t *testing.T) {
	j := queued(t)
	require.Equal(t, Queued, j.State)
	require.Equal(t, 1, j.Attempt)
	require.Equal(t, t0.Add(time.Hour), j.Deadline)

	_, _, err := j.WorkspaceArrived(Arrival{Generation: 7, SizeBytes: 100, MD5: "md5=="}, t0)
	require.ErrorIs(t, err, ErrDuplicate, "the same generation twice is a duplicate")

	ev, rejected, err := j.WorkspaceArrived(Arrival{Generation: 8, SizeBytes: 100, MD5: "md5=="}, t0)
	require.ErrorIs(t, err, ErrDuplicate, "nothing to write")
	require.True(t, rejected, "a new workspace at the used-up key is deleted")
	require.Empty(t, ev)
	require.Equal(t, Queued, j.State)
}

func TestWorkspaceMismatchRejected(t *testing.T) {
	for name, a := range map[string]Arrival{
		"too large": {Generation: 1, SizeBytes: 101, MD5: "md5=="},
		"wrong md5": {Generation: 1, SizeBytes: 100, MD5: "other=="},
	} {
		t.Run(name, func(t *testing.T) {
			j := newJob()
			ev, rejected, err := j.WorkspaceArrived(a, t0)
			require.NoError(t, err)
			require.True(t, rejected)
			require.Equal(t, EventUploadRejected, ev[0].Type)
			require.Equal(t, AwaitingWorkspace, j.State)
		})
	}
}

func TestClaimBumpsEpochAndOnlyFromQueued(t *testing.T) {
	j := locked(t)
	require.Equal(t, Locked, j.State)
	require.EqualValues(t, 1, j.Lock.Epoch)
	_, err := j.Claim("disp2", "w2", DefaultLease, t0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	require.Equal(t, "disp", j.Lock.Holder)
}

func TestStaleEpochRefusedAfterRequeue(t *testing.T) {
	j := locked(t)
	ev, err := j.Report("disp", 1, Queued, "", t0)
	require.NoError(t, err)
	require.Equal(t, EventRequeued, ev.Type)
	require.Equal(t, 2, j.Attempt)
	_, err = j.Claim("disp2", "w2", DefaultLease, t0)
	require.NoError(t, err)
	require.EqualValues(t, 2, j.Lock.Epoch)

	for _, call := range []func() error{
		func() error { return j.Heartbeat("disp", 1, DefaultLease, t0) },
		func() error { _, err := j.Report("disp", 1, Running, "", t0); return err },
		func() error { return j.CheckLock("disp", 1, t0) },
		func() error { return j.CheckLock("disp", 2, t0) }, // right epoch, wrong holder
	} {
		require.Equal(t, apperr.Conflict, apperr.CodeOf(call()))
	}
	require.NoError(t, j.CheckLock("disp2", 2, t0))
}

func TestLapsedLeaseRefusedAndSweptIntoQueue(t *testing.T) {
	j := locked(t)
	later := t0.Add(DefaultLease)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(j.CheckLock("disp", 1, later)))
	ev, err := j.Sweep(later)
	require.NoError(t, err)
	require.Equal(t, EventRequeued, ev.Type)
	require.Equal(t, Queued, j.State)
}

func TestMaxAttemptsFails(t *testing.T) {
	j := queued(t)
	for attempt := 1; attempt <= 3; attempt++ {
		_, err := j.Claim("disp", "w", DefaultLease, t0)
		require.NoError(t, err)
		_, err = j.Report("disp", j.Lock.Epoch, Queued, "oom", t0)
		require.NoError(t, err)
	}
	require.Equal(t, Failed, j.State)
	require.Equal(t, 3, j.Attempt)
}

func TestArtifactsInAnyOrderSucceedOnce(t *testing.T) {
	for _, order := range [][]Kind{{OutputKind, AttestationKind}, {AttestationKind, OutputKind}} {
		j := locked(t)
		j.RequireAttestation = true
		var types []string
		for _, k := range append(order, order...) { // every event twice
			evs, rejected, err := j.ArtifactArrived(k, Arrival{Generation: 5, Epoch: 1}, t0)
			if err == ErrDuplicate {
				continue
			}
			require.NoError(t, err)
			require.False(t, rejected)
			for _, e := range evs {
				types = append(types, e.Type)
			}
		}
		require.Equal(t, Succeeded, j.State)
		require.Equal(t, EventSucceeded, types[len(types)-1])
		require.Len(t, types, 3)
	}
}

func TestOutputWithoutAttestationRequirement(t *testing.T) {
	j := locked(t)
	_, _, err := j.ArtifactArrived(OutputKind, Arrival{Generation: 1, Epoch: 1}, t0)
	require.NoError(t, err)
	require.Equal(t, Succeeded, j.State)
	_, rejected, err := j.ArtifactArrived(AttestationKind, Arrival{Generation: 2, Epoch: 1}, t0)
	require.NoError(t, err)
	require.True(t, rejected, "an upload to a final job is deleted, never revives it")
	require.Equal(t, Succeeded, j.State)
}

func TestFinalJobsStayFinal(t *testing.T) {
	j := locked(t)
	_, err := j.Cancel("u1", t0)
	require.NoError(t, err)
	_, err = j.Cancel("u1", t0)
	require.ErrorIs(t, err, ErrDuplicate)
	_, err = j.Claim("d", "w", DefaultLease, t0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err))
	require.Equal(t, apperr.Gone, apperr.CodeOf(j.CheckLock("disp", 1, t0)))
	_, err = j.Sweep(t0.Add(48 * time.Hour))
	require.ErrorIs(t, err, ErrDuplicate)
	require.Equal(t, Cancelled, j.State)
}

func TestSweepTimers(t *testing.T) {
	j := newJob()
	_, err := j.Sweep(t0.Add(59 * time.Minute))
	require.ErrorIs(t, err, ErrDuplicate, "nothing due inside the upload window")
	ev, err := j.Sweep(t0.Add(UploadWindow))
	require.NoError(t, err)
	require.Equal(t, Expired, j.State)
	require.Equal(t, EventExpired, ev.Type)

	j = locked(t)
	require.NoError(t, j.Heartbeat("disp", 1, 2*time.Hour, t0))
	require.Equal(t, j.Deadline, j.Lock.LeaseExpiresAt, "a lease never outlives the deadline")
	_, err = j.Sweep(j.Deadline)
	require.NoError(t, err)
	require.Equal(t, Failed, j.State)
}

func TestEventSeqIsDense(t *testing.T) {
	j := locked(t)
	ev, err := j.Report("disp", 1, Running, "", t0)
	require.NoError(t, err)
	require.EqualValues(t, 3, ev.Seq) // QUEUED=1, LOCKED=2, RUNNING=3
	_, err = j.Report("disp", 1, Running, "", t0)
	require.ErrorIs(t, err, ErrDuplicate)
	require.EqualValues(t, 3, j.EventSeq)
}

func TestReportRefusesOtherStates(t *testing.T) {
	j := locked(t)
	_, err := j.Report("disp", 1, Succeeded, "", t0)
	require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
	require.Equal(t, Locked, j.State)
}

// TestArtifactsOfAnotherEpochAreRejected: uploads of a superseded claim
// never count, and a requeue forgets the previous claim's artifacts.
func TestArtifactsOfAnotherEpochAreRejected(t *testing.T) {
	j := locked(t)
	j.RequireAttestation = true
	_, rejected, err := j.ArtifactArrived(OutputKind, Arrival{Generation: 1, Epoch: 1}, t0)
	require.NoError(t, err)
	require.False(t, rejected)
	_, err = j.Report("disp", 1, Queued, "lost the TEE", t0)
	require.NoError(t, err)
	require.False(t, j.Output.Present, "the next claim uploads its own output")
	_, err = j.Claim("disp2", "w2", DefaultLease, t0)
	require.NoError(t, err)

	evs, rejected, err := j.ArtifactArrived(AttestationKind, Arrival{Generation: 2, Epoch: 1}, t0)
	require.NoError(t, err)
	require.True(t, rejected, "a stale claim's attestation")
	require.Equal(t, EventUploadRejected, evs[0].Type)
	_, rejected, err = j.ArtifactArrived(OutputKind, Arrival{Generation: 3, Epoch: 3}, t0)
	require.NoError(t, err)
	require.True(t, rejected, "an epoch that never was")

	for _, k := range []Kind{OutputKind, AttestationKind} {
		_, rejected, err := j.ArtifactArrived(k, Arrival{Generation: 10, Epoch: 2}, t0)
		require.NoError(t, err)
		require.False(t, rejected)
	}
	require.Equal(t, Succeeded, j.State)
	require.EqualValues(t, 2, j.Output.Epoch)
}
