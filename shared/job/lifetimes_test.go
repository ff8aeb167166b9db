package job

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestURLLifetimes(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	// An upload URL works for what is left of the upload window, never
	// longer than the window.
	j := &Job{UploadDeadline: now.Add(UploadWindow)}
	require.Equal(t, UploadWindow, j.UploadLeft(now.Add(-time.Hour)))
	require.Equal(t, 10*time.Minute, j.UploadLeft(now.Add(UploadWindow-10*time.Minute-300*time.Millisecond)))
	// A bundle works until the job's deadline, in whole seconds, at least
	// one second; without a deadline, DefaultTimeout.
	j = &Job{Deadline: now.Add(90*time.Minute + 500*time.Millisecond)}
	require.Equal(t, 90*time.Minute, j.BundleLeft(now))
	require.Equal(t, time.Second, j.BundleLeft(now.Add(3*time.Hour)))
	require.Equal(t, DefaultTimeout, (&Job{}).BundleLeft(now))
}

// TestStatesWhere: stores ask the states which of them are leased, timed
// or final (firestore's Due queries); what they get is what Sweep acts on.
func TestStatesWhere(t *testing.T) {
	require.Equal(t, []State{Locked, Running}, StatesWhere(State.Leased))
	require.Equal(t, []State{Queued, Locked, Running}, StatesWhere(State.Timed))
	require.Equal(t, []State{Succeeded, Failed, Cancelled, Expired}, StatesWhere(State.Final))
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range States {
		j := &Job{ID: "j", State: s, UploadDeadline: now.Add(time.Hour), Deadline: now.Add(time.Hour),
			Lock: Lock{Holder: "d", Epoch: 1, LeaseExpiresAt: now.Add(-time.Second)}}
		_, err := j.Sweep(now)
		require.Equal(t, s.Leased(), err == nil, "%s: a lapsed lease is swept only in a leased state", s)
		if s == AwaitingWorkspace {
			continue // its deadline is set when it is queued
		}
		j = &Job{ID: "j", State: s, UploadDeadline: now.Add(time.Hour), Deadline: now.Add(-time.Second),
			Lock: Lock{LeaseExpiresAt: now.Add(time.Hour)}}
		_, err = j.Sweep(now)
		require.Equal(t, s.Timed(), err == nil, "%s: a passed deadline fails a job only in a timed state", s)
	}
}
