package finalize_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/privategcs/privategcstest"
	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/gcs"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

func TestWorkspaceArrivalQueuesTheJob(t *testing.T) {
	e := newEnv(t)
	j := e.newJob(false)
	obj, got := e.arrive(j.ID, job.WorkspaceKind)
	require.Equal(t, job.Queued, got.State)
	require.True(t, got.Workspace.Present)
	require.Equal(t, obj.Generation, itoa(got.Workspace.Generation))
	require.Equal(t, 1, got.Attempt)
	require.Equal(t, e.now.Add(job.DefaultTimeout), got.Deadline.UTC())
	require.Equal(t, []string{job.EventCreated, job.EventQueued}, e.eventTypes(j.ID))
	require.True(t, e.present(obj), "an accepted workspace stays")

	// The same event again changes nothing.
	e.deliver(obj)
	require.Equal(t, []string{job.EventCreated, job.EventQueued}, e.eventTypes(j.ID))
	require.Equal(t, got.EventSeq, e.get(j.ID).EventSeq)
}

func TestMismatchedWorkspaceIsRejectedAndDeleted(t *testing.T) {
	for name, body := range map[string]func(id ids.JobID) []byte{
		"size": func(id ids.JobID) []byte { return append(content(id, job.WorkspaceKind, 0), "too long"...) },
		"md5":  func(id ids.JobID) []byte { return content(id, job.WorkspaceKind, 1) }, // same length, other bytes
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			j := e.newJob(false)
			bad := e.upload(job.WorkspaceName(j.ID, 0), body(j.ID))

			e.deliver(bad)
			got := e.get(j.ID)
			require.Equal(t, job.AwaitingWorkspace, got.State)
			require.False(t, got.Workspace.Present)
			require.Equal(t, []string{job.EventCreated, job.EventUploadRejected}, e.eventTypes(j.ID))
			require.False(t, e.present(bad), "the rejected upload is deleted")

			// Redelivery after the deletion still acknowledges, and the
			// job remembers the rejection: no second event.
			e.deliver(bad)
			require.Equal(t, job.AwaitingWorkspace, e.get(j.ID).State)
			require.Equal(t, []string{job.EventCreated, job.EventUploadRejected}, e.eventTypes(j.ID))

			// Uploading again with the right body queues the job.
			good := e.uploadArtifact(j.ID, job.WorkspaceKind, 0)
			e.deliver(good)
			require.Equal(t, job.Queued, e.get(j.ID).State)
			require.True(t, e.present(good))
		})
	}
}

func TestOutputAndAttestationSucceed(t *testing.T) {
	e := newEnv(t)

	withAtt := e.claimedJob(true)
	out, got := e.arrive(withAtt.ID, job.OutputKind)
	require.Equal(t, job.Locked, got.State, "an attestation is still required")
	require.True(t, got.Output.Present)
	att, got := e.arrive(withAtt.ID, job.AttestationKind)
	require.Equal(t, job.Succeeded, got.State)
	require.True(t, got.Attestation.Present)
	require.Equal(t, att.Generation, itoa(got.Attestation.Generation))
	require.False(t, got.FinishedAt.IsZero())
	require.Equal(t, []string{job.EventCreated, job.EventQueued, job.EventLocked, job.EventOutput, job.EventAttestation, job.EventSucceeded, job.EventScrubbed}, e.eventTypes(withAtt.ID))
	require.False(t, e.get(withAtt.ID).SecretsHeld)
	require.Empty(t, e.secrets.Held(t, withAtt.ID.String()), "the workflow token minted at queue time is destroyed at success")
	require.True(t, e.present(out))
	require.True(t, e.present(att))

	without := e.claimedJob(false)
	_, got = e.arrive(without.ID, job.OutputKind)
	require.Equal(t, job.Succeeded, got.State)
}

func TestLateUploadToAFinalJobIsDeleted(t *testing.T) {
	e := newEnv(t)
	j := e.newJob(false)
	e.arrive(j.ID, job.WorkspaceKind)
	e.claim(j.ID)
	out, before := e.arrive(j.ID, job.OutputKind)
	require.Equal(t, job.Succeeded, before.State)

	late := e.uploadArtifact(j.ID, job.OutputKind, 1) // overwrites the output
	e.deliver(late)
	e.deliver(late)
	lateAtt := e.uploadArtifact(j.ID, job.AttestationKind, 0)
	e.deliver(lateAtt)
	lateWS := e.uploadArtifact(j.ID, job.WorkspaceKind, 0)
	e.deliver(lateWS)

	after := e.get(j.ID)
	require.Equal(t, job.Succeeded, after.State)
	require.Equal(t, before.Output, after.Output, "the recorded output is the first one")
	require.False(t, after.Attestation.Present)
	require.Equal(t, before.Workspace, after.Workspace)
	require.Equal(t, before.FinishedAt, after.FinishedAt)
	require.False(t, e.present(late))
	require.False(t, e.present(lateAtt))
	require.False(t, e.present(lateWS))
	types := e.eventTypes(j.ID)
	require.Equal(t, []string{job.EventScrubbed, job.EventUploadRejected, job.EventUploadRejected, job.EventUploadRejected}, types[len(types)-4:],
		"one rejection per late upload; the redelivered one is not recorded twice")

	// A redelivery of the original output is a duplicate, not a rejection.
	e.deliver(out)
	require.Equal(t, e.get(j.ID).EventSeq, after.EventSeq)
}

func TestArtifactBeforeClaimIsRejected(t *testing.T) {
	e := newEnv(t)
	j := e.newJob(false)
	e.deliver(e.uploadArtifact(j.ID, job.WorkspaceKind, 0))
	out := e.uploadAt(j.ID, job.OutputKind, 1, 0)
	e.deliver(out)
	got := e.get(j.ID)
	require.Equal(t, job.Queued, got.State)
	require.False(t, got.Output.Present)
	require.False(t, e.present(out))
}

// TestArtifactOfASupersededClaimIsRejected: after a requeue and a new
// claim, the old claim's upload names a stale epoch: deleted, never
// recorded; the new claim's upload succeeds the job.
func TestArtifactOfASupersededClaimIsRejected(t *testing.T) {
	e := newEnv(t)
	j := e.claimedJob(false)
	_, err := e.store.Update(context.Background(), j.ID, func(j *job.Job) ([]job.Event, error) {
		ev, err := j.Report(j.Lock.Holder, j.Lock.Epoch, job.Queued, "worker lost", e.now)
		return []job.Event{ev}, err
	})
	require.NoError(t, err)
	e.claim(j.ID)
	require.EqualValues(t, 2, e.get(j.ID).Lock.Epoch)

	stale := e.uploadAt(j.ID, job.OutputKind, 1, 0)
	e.deliver(stale)
	require.Equal(t, job.Locked, e.get(j.ID).State)
	require.False(t, e.present(stale), "the superseded claim's upload is deleted")

	fresh := e.uploadAt(j.ID, job.OutputKind, 2, 1)
	e.deliver(fresh)
	got := e.get(j.ID)
	require.Equal(t, job.Succeeded, got.State)
	require.EqualValues(t, 2, got.Output.Epoch)
	require.True(t, e.present(fresh))
}

func TestIgnoredEventsAreAcknowledged(t *testing.T) {
	e := newEnv(t)
	j := e.newJob(false)
	ctx := context.Background()
	good := e.uploadArtifact(j.ID, job.WorkspaceKind, 0)

	otherBucket := good
	otherBucket.Bucket = "someone-elses"
	absent := ids.NewJobID()
	missingJob := e.upload(job.WorkspaceName(absent, 1), content(absent, job.WorkspaceKind, 0))
	badGeneration := good
	badGeneration.Generation = "not-a-number"
	badSize := good
	badSize.Size = ""
	for name, obj := range map[string]finalize.StorageObject{
		"other bucket":       otherBucket,
		"unknown name":       e.upload("jobs/"+j.ID.String()+"/secrets.txt", []byte("x")),
		"outside the layout": e.upload("random/object", []byte("x")),
		"malformed job id":   e.upload(job.WorkspaceName("..", 0), []byte("x")),
		"job absent":         missingJob,
		"bad generation":     badGeneration,
		"missing size":       badSize,
	} {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, e.h.HandleEvent(ctx, finalized(t, obj)))
		})
	}
	require.True(t, e.present(missingJob), "objects of absent jobs are left alone")

	other := finalized(t, good)
	other.SetType("google.cloud.storage.object.v1.deleted")
	require.NoError(t, e.h.HandleEvent(ctx, other))

	badJSON := finalized(t, good)
	require.NoError(t, badJSON.SetData("application/json", []byte(`{"bucket": 7`)))
	require.NoError(t, e.h.HandleEvent(ctx, badJSON))

	empty := event.New()
	empty.SetID("empty")
	empty.SetType(finalize.EventType)
	empty.SetSource("test")
	require.NoError(t, e.h.HandleEvent(ctx, empty))

	require.Equal(t, job.AwaitingWorkspace, e.get(j.ID).State, "none of those touched the job")
	require.Equal(t, []string{job.EventCreated}, e.eventTypes(j.ID))
}

func TestUnconfiguredHandlerRetries(t *testing.T) {
	h := finalize.New(finalize.Options{})
	ev := finalized(t, finalize.StorageObject{Bucket: jobsBucket, Name: "jobs/x/workspace.tar", Generation: "1", Size: "1"})
	require.Error(t, h.HandleEvent(context.Background(), ev))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// failingStore answers every Update with err.
type failingStore struct {
	job.Store
	err error
}

func (s failingStore) Update(context.Context, ids.JobID, func(*job.Job) ([]job.Event, error)) (*job.Job, error) {
	return nil, s.err
}

func TestTransientStoreFailuresAreRetried(t *testing.T) {
	obj := finalize.StorageObject{Bucket: jobsBucket, Name: job.WorkspaceName(ids.NewJobID(), 0), Generation: "1", Size: "1"}
	for code, retry := range map[apperr.Code]bool{
		apperr.Unavailable:       true,
		apperr.ResourceExhausted: true,
		apperr.NotFound:          false,
		apperr.Conflict:          false,
		apperr.Internal:          false,
	} {
		t.Run(string(code), func(t *testing.T) {
			h := finalize.New(finalize.Options{Store: failingStore{err: apperr.E(code, "boom")}, Objects: &flakyDeleter{}, Bucket: jobsBucket})
			err := h.HandleEvent(context.Background(), finalized(t, obj))
			if retry {
				require.Equal(t, code, apperr.CodeOf(err))
			} else {
				require.NoError(t, err)
			}
		})
	}
}

// flakyDeleter fails its first fail deletions, then deletes through next.
type flakyDeleter struct {
	fail  int
	next  gcs.Deleter
	calls int
}

func (d *flakyDeleter) Delete(ctx context.Context, bucket, object string, generation int64) error {
	d.calls++
	if d.calls <= d.fail {
		return apperr.E(apperr.Unavailable, "storage unavailable; retry")
	}
	return d.next.Delete(ctx, bucket, object, generation)
}

func TestFailedDeletionIsRetried(t *testing.T) {
	e := newEnv(t)
	deleter := &flakyDeleter{fail: 1, next: privategcstest.Client(t, e.storage.HTTPClient().Transport)}
	h := finalize.New(finalize.Options{Store: e.store, Objects: deleter, Bucket: jobsBucket, Now: func() time.Time { return e.now }})
	j := e.newJob(false)
	bad := e.upload(job.WorkspaceName(j.ID, 0), []byte("not what was declared"))

	require.Error(t, h.HandleEvent(context.Background(), finalized(t, bad)), "the deletion failed: retry")
	require.True(t, e.present(bad))
	require.NoError(t, h.HandleEvent(context.Background(), finalized(t, bad)))
	require.False(t, e.present(bad))
	require.Equal(t, job.AwaitingWorkspace, e.get(j.ID).State)
	require.Equal(t, 2, deleter.calls)
}

// TestQueueingMintsTheWorkflowToken: the workspace's arrival stores the
// job's workflow token in Secret Manager, once: a redelivery keeps it.
func TestQueueingMintsTheWorkflowToken(t *testing.T) {
	e := newEnv(t)
	j := e.newJob(false)
	ws, got := e.arrive(j.ID, job.WorkspaceKind)
	require.Equal(t, job.Queued, got.State)
	require.True(t, got.SecretsHeld)
	require.Len(t, e.secrets.Held(t, j.ID.String()), 1)
	first, err := e.secrets.Store.Get(context.Background(), e.get(j.ID), custody.WorkflowToken)
	require.NoError(t, err)

	e.deliver(ws)
	again, err := e.secrets.Store.Get(context.Background(), e.get(j.ID), custody.WorkflowToken)
	require.NoError(t, err)
	require.Equal(t, first, again)
}
