package job

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"valet.dev/valet/shared/apperr"
)

// ErrDuplicate is returned by a transition that has already happened (the
// same storage generation recorded or rejected, the same report repeated):
// the caller acknowledges it and writes nothing (for a rejected generation
// it deletes the bytes again, in case the first delete failed).
var ErrDuplicate = errors.New("job: transition already applied")

// ErrBundleTaken is the cause of the Gone error a second fetch of a
// single-use auth bundle gets; callers log it as an anomaly.
var ErrBundleTaken = errors.New("job: single-use auth bundle already fetched")

// Arrival is an object that a storage event says was written.
type Arrival struct {
	Generation int64
	SizeBytes  int64
	MD5        string // base64, as GCS reports md5Hash
	Epoch      int64  // an artifact's: the epoch in its object name
}

// record appends an event to the job, stamping seq and time, and returns it.
func (j *Job) record(now time.Time, typ, format string, args ...any) Event {
	j.EventSeq++
	j.UpdatedAt = now
	return Event{Seq: j.EventSeq, Time: now, Type: typ, Message: fmt.Sprintf(format, args...), Epoch: j.Lock.Epoch}
}

// enter moves the job to s, stamping FinishedAt for final states.
func (j *Job) enter(s State, now time.Time) {
	j.State = s
	if s.Final() {
		j.FinishedAt = now
		j.Lock.LeaseExpiresAt = time.Time{}
	}
}

func conflict(j *Job, action string) error {
	if j.State.Final() {
		return apperr.E(apperr.Conflict, "job %s is %s (final); it cannot %s", j.ID, j.State, action)
	}
	return apperr.E(apperr.Conflict, "job %s is %s; it cannot %s", j.ID, j.State, action)
}

// NewWorkspaceKey moves the job to a new workspace key for a new upload
// URL and returns its number: the key of every URL minted before is used
// up (see WorkspaceKey). Only a job awaiting its workspace gets one.
func (j *Job) NewWorkspaceKey(now time.Time) (int64, error) {
	if j.State != AwaitingWorkspace {
		return 0, conflict(j, "take a workspace upload")
	}
	j.WorkspaceKey++
	j.UpdatedAt = now
	return j.WorkspaceKey, nil
}

// WorkspaceArrived checks a finalized workspace (a.Epoch: the number of its
// key) against what was declared and queues the job. Bytes at a key that
// is not the job's open one (a URL minted before the last, or replayed
// after its key was used) report rejected=true with ErrDuplicate: the
// caller deletes them and nothing is written. At the open key, the upload
// uses the key up; a size or MD5 mismatch, or a job no longer waiting,
// returns an UPLOAD_REJECTED event (see reject) and rejected=true.
func (j *Job) WorkspaceArrived(a Arrival, now time.Time) (events []Event, rejected bool, err error) {
	if j.Workspace.Present && j.Workspace.Generation == a.Generation && j.Workspace.Epoch == a.Epoch {
		return nil, false, ErrDuplicate
	}
	if a.Epoch != j.WorkspaceKey || j.wasRejected(WorkspaceKind, a.Generation) {
		return nil, true, ErrDuplicate
	}
	j.WorkspaceKey++ // used up, whatever the outcome
	if j.State != AwaitingWorkspace {
		return j.reject(now, WorkspaceKind, a.Generation, "workspace generation %d arrived while the job is %s; deleted", a.Generation, j.State), true, nil
	}
	if a.SizeBytes > j.Workspace.SizeBytes || (j.Workspace.MD5 != "" && a.MD5 != j.Workspace.MD5) {
		return j.reject(now, WorkspaceKind, a.Generation, "workspace of %d bytes does not match the declared size %d or MD5; deleted, take a new upload URL and upload it again", a.SizeBytes, j.Workspace.SizeBytes), true, nil
	}
	j.Workspace.Present = true
	j.Workspace.Generation = a.Generation
	j.Workspace.Epoch = a.Epoch
	j.Workspace.SizeBytes = a.SizeBytes
	if j.Workspace.MD5 == "" {
		j.Workspace.MD5 = a.MD5
	}
	j.Attempt = 1
	j.Deadline = now.Add(time.Duration(j.TimeoutSeconds) * time.Second)
	j.SecretsHeld = true // the workflow token is minted once the job is queued
	j.enter(Queued, now)
	return []Event{j.record(now, EventQueued, "workspace of %d bytes arrived; queued", a.SizeBytes)}, false, nil
}

// Claimant is a dispatcher claiming a job: who holds the lock, for which
// worker, for how long, and how the auth bundle of the epoch is delivered.
type Claimant struct {
	Holder string        // the dispatcher's principal id
	Worker string        // the machine that runs the job, for people
	Lease  time.Duration // capped at the job's deadline
	// SealTo, when set, is the HPKE public key (package seal's text form)
	// the epoch's auth bundle is sealed to. A public key, not a secret.
	SealTo string
	// SingleUse lets the epoch's auth bundle be fetched once.
	SingleUse bool
}

// Claim gives the queued job to a dispatcher under a new epoch and lease.
func (j *Job) Claim(holder, worker string, lease time.Duration, now time.Time) (Event, error) {
	return j.ClaimFor(Claimant{Holder: holder, Worker: worker, Lease: lease}, now)
}

// ClaimFor gives the queued job to c under a new epoch and lease.
func (j *Job) ClaimFor(c Claimant, now time.Time) (Event, error) {
	if j.State != Queued {
		return Event{}, conflict(j, "be claimed")
	}
	j.Lock = Lock{Epoch: j.Lock.Epoch + 1, Worker: c.Worker, Holder: c.Holder, LeaseExpiresAt: j.leaseEnd(c.Lease, now),
		SealTo: c.SealTo, SingleUse: c.SingleUse}
	j.enter(Locked, now)
	return j.record(now, EventLocked, "claimed by %s (attempt %d of %d)", c.Worker, j.Attempt, j.MaxAttempts), nil
}

// TakeBundle lets holder fetch the auth bundle of epoch: it checks the
// lock and, for a single-use claim, marks the bundle fetched. A second
// fetch of a single-use bundle is Gone. For other claims it changes
// nothing and returns ErrDuplicate (nothing to write).
func (j *Job) TakeBundle(holder string, epoch int64, now time.Time) error {
	if err := j.CheckLock(holder, epoch, now); err != nil {
		return err
	}
	if !j.Lock.SingleUse {
		return ErrDuplicate
	}
	if j.Lock.BundleTaken {
		return apperr.Wrap(ErrBundleTaken, apperr.Gone, "the single-use auth bundle of job %s at epoch %d was already fetched; hand the job back (state QUEUED) to get a new epoch", j.ID, epoch)
	}
	j.Lock.BundleTaken = true
	j.UpdatedAt = now
	return nil
}

func (j *Job) leaseEnd(lease time.Duration, now time.Time) time.Time {
	end := now.Add(lease)
	if !j.Deadline.IsZero() && end.After(j.Deadline) {
		end = j.Deadline
	}
	return end
}

// CheckLock returns nil when holder holds the job's lock at epoch now.
// After a requeue or a newer claim, an old epoch gets Conflict.
func (j *Job) CheckLock(holder string, epoch int64, now time.Time) error {
	switch {
	case j.State.Final():
		return apperr.E(apperr.Gone, "job %s is %s; its lock is gone", j.ID, j.State)
	case !j.State.Leased() || epoch != j.Lock.Epoch:
		return apperr.E(apperr.Conflict, "epoch %d is not the current lock of job %s; claim it again", epoch, j.ID)
	case holder != j.Lock.Holder:
		return apperr.E(apperr.Conflict, "job %s at epoch %d is locked by another dispatcher", j.ID, epoch)
	case !now.Before(j.Lock.LeaseExpiresAt):
		return apperr.E(apperr.Conflict, "the lease of job %s at epoch %d has lapsed; claim it again", j.ID, epoch)
	}
	return nil
}

// Heartbeat extends the lock holder's lease (never past the deadline).
func (j *Job) Heartbeat(holder string, epoch int64, lease time.Duration, now time.Time) error {
	if err := j.CheckLock(holder, epoch, now); err != nil {
		return err
	}
	j.Lock.LeaseExpiresAt = j.leaseEnd(lease, now)
	j.UpdatedAt = now
	return nil
}

// Report applies a state the lock holder reports: RUNNING, FAILED, or
// QUEUED to hand the job back.
func (j *Job) Report(holder string, epoch int64, to State, message string, now time.Time) (Event, error) {
	if err := j.CheckLock(holder, epoch, now); err != nil {
		return Event{}, err
	}
	switch to {
	case Running:
		if j.State == Running {
			return Event{}, ErrDuplicate
		}
		j.enter(Running, now)
		return j.record(now, EventRunning, "running%s", suffix(message)), nil
	case Failed:
		j.Message = message
		j.enter(Failed, now)
		return j.record(now, EventFailed, "the dispatcher reported failure%s", suffix(message)), nil
	case Queued:
		return j.requeue(now, "handed back by the dispatcher"+suffix(message)), nil
	}
	return Event{}, apperr.E(apperr.Invalid, "state must be RUNNING, FAILED or QUEUED, not %q", to)
}

func suffix(message string) string {
	if message == "" {
		return ""
	}
	return ": " + message
}

// requeue puts a leased job back in the queue with one more attempt, or
// fails it when it has used all its attempts.
func (j *Job) requeue(now time.Time, why string) Event {
	j.Lock.Holder, j.Lock.Worker, j.Lock.LeaseExpiresAt = "", "", time.Time{}
	// The next claim uploads its own artifacts under its own epoch.
	j.Output, j.Attestation = Artifact{}, Artifact{}
	if j.Attempt >= j.MaxAttempts {
		j.Message = fmt.Sprintf("%s after %d attempts", why, j.Attempt)
		j.enter(Failed, now)
		return j.record(now, EventFailed, "%s; no attempts left (%d of %d)", why, j.Attempt, j.MaxAttempts)
	}
	j.Attempt++
	j.enter(Queued, now)
	return j.record(now, EventRequeued, "%s; attempt %d of %d", why, j.Attempt, j.MaxAttempts)
}

// Kind of output artifact.
type Kind string

// The artifacts a leased job uploads.
const (
	OutputKind      Kind = "output"
	AttestationKind Kind = "attestation"
)

// ArtifactArrived records the output or the attestation uploaded under
// the claim at a.Epoch and succeeds the job once the output is there and
// the attestation is there or not required. An artifact of another epoch
// (a superseded claim) or arriving while the job is not leased is
// rejected. Events may come in any order and more than once.
func (j *Job) ArtifactArrived(kind Kind, a Arrival, now time.Time) (events []Event, rejected bool, err error) {
	art := &j.Output
	typ := EventOutput
	if kind == AttestationKind {
		art, typ = &j.Attestation, EventAttestation
	}
	if art.Present && art.Generation == a.Generation && art.Epoch == a.Epoch {
		return nil, false, ErrDuplicate
	}
	if j.wasRejected(kind, a.Generation) {
		return nil, true, ErrDuplicate
	}
	if !j.State.Leased() {
		return j.reject(now, kind, a.Generation, "%s generation %d arrived while the job is %s; deleted", kind, a.Generation, j.State), true, nil
	}
	if a.Epoch != j.Lock.Epoch {
		return j.reject(now, kind, a.Generation, "%s of epoch %d arrived while the job is at epoch %d; deleted", kind, a.Epoch, j.Lock.Epoch), true, nil
	}
	*art = Artifact{Present: true, Generation: a.Generation, SizeBytes: a.SizeBytes, MD5: a.MD5, Epoch: a.Epoch}
	events = append(events, j.record(now, typ, "%s of %d bytes recorded", kind, a.SizeBytes))
	if j.Output.Present && (j.Attestation.Present || !j.RequireAttestation) {
		j.enter(Succeeded, now)
		events = append(events, j.record(now, EventSucceeded, "succeeded"))
	}
	return events, false, nil
}

// Cancel cancels a job that is not final. Cancelling a cancelled job is a
// duplicate; other final jobs cannot be cancelled.
func (j *Job) Cancel(by string, now time.Time) (Event, error) {
	if j.State == Cancelled {
		return Event{}, ErrDuplicate
	}
	if j.State.Final() {
		return Event{}, conflict(j, "be cancelled")
	}
	j.enter(Cancelled, now)
	return j.record(now, EventCancelled, "cancelled by %s", by), nil
}

// Sweep applies whichever timer has run out: the upload window (EXPIRED),
// the deadline (FAILED) or the lease (requeue). It returns ErrDuplicate when
// nothing is due.
func (j *Job) Sweep(now time.Time) (Event, error) {
	switch {
	case j.State == AwaitingWorkspace && !now.Before(j.UploadDeadline):
		j.enter(Expired, now)
		return j.record(now, EventExpired, "no workspace arrived before %s", j.UploadDeadline.Format(time.RFC3339)), nil
	case !j.State.Final() && !j.Deadline.IsZero() && !now.Before(j.Deadline):
		j.Message = "deadline passed"
		j.enter(Failed, now)
		return j.record(now, EventFailed, "deadline %s passed", j.Deadline.Format(time.RFC3339)), nil
	case j.State.Leased() && !now.Before(j.Lock.LeaseExpiresAt):
		return j.requeue(now, fmt.Sprintf("lease of epoch %d lapsed", j.Lock.Epoch)), nil
	}
	return Event{}, ErrDuplicate
}

// maxRejected bounds the rejected generations a job remembers; an older
// one redelivered is rejected again (one more event, the same outcome).
const maxRejected = 16

// wasRejected reports whether generation gen of kind was rejected before.
func (j *Job) wasRejected(kind Kind, gen int64) bool {
	return slices.Contains(j.Rejected, rejectedKey(kind, gen))
}

// MaxRejectedEvents is how many UPLOAD_REJECTED events a job records at
// most; the uploads rejected after them are only counted
// (RejectedUploads).
const MaxRejectedEvents = 20

// reject remembers a rejected generation, counts it and records its event
// while the job has recorded fewer than MaxRejectedEvents (none after).
func (j *Job) reject(now time.Time, kind Kind, gen int64, format string, args ...any) []Event {
	j.Rejected = append(j.Rejected, rejectedKey(kind, gen))
	if n := len(j.Rejected); n > maxRejected {
		j.Rejected = slices.Clone(j.Rejected[n-maxRejected:])
	}
	j.RejectedUploads++
	switch {
	case j.RejectedUploads < MaxRejectedEvents:
		return []Event{j.record(now, EventUploadRejected, format, args...)}
	case j.RejectedUploads == MaxRejectedEvents:
		return []Event{j.record(now, EventUploadRejected, format+"; further rejected uploads are only counted (rejectedUploads)", args...)}
	}
	j.UpdatedAt = now
	return nil
}

func rejectedKey(kind Kind, gen int64) string {
	return fmt.Sprintf("%s/%d", kind, gen)
}
