package job

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

func TestSingleUseBundleIsTakenOnce(t *testing.T) {
	j := queued(t)
	_, err := j.ClaimFor(Claimant{Holder: "disp", Worker: "w1", Lease: DefaultLease, SealTo: "x25519:key", SingleUse: true}, t0)
	require.NoError(t, err)
	require.Equal(t, "x25519:key", j.Lock.SealTo)

	require.NoError(t, j.TakeBundle("disp", 1, t0))
	require.True(t, j.Lock.BundleTaken)
	err = j.TakeBundle("disp", 1, t0)
	require.Equal(t, apperr.Gone, apperr.CodeOf(err), "a second fetch of a single-use bundle is gone")
	require.ErrorIs(t, err, ErrBundleTaken)

	// Handed back and claimed again: the new epoch has its own bundle, and
	// the old claim's delivery settings are gone.
	_, err = j.Report("disp", 1, Queued, "", t0)
	require.NoError(t, err)
	_, err = j.ClaimFor(Claimant{Holder: "disp", Worker: "w2", Lease: DefaultLease}, t0)
	require.NoError(t, err)
	require.Empty(t, j.Lock.SealTo)
	require.False(t, j.Lock.SingleUse)
	require.False(t, j.Lock.BundleTaken)
}

func TestReusableBundleWritesNothing(t *testing.T) {
	j := locked(t)
	require.True(t, errors.Is(j.TakeBundle("disp", 1, t0), ErrDuplicate))
	require.True(t, errors.Is(j.TakeBundle("disp", 1, t0), ErrDuplicate))
}

func TestTakeBundleChecksTheLock(t *testing.T) {
	j := locked(t)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(j.TakeBundle("disp", 2, t0)), "another epoch")
	require.Equal(t, apperr.Conflict, apperr.CodeOf(j.TakeBundle("other", 1, t0)), "another holder")
	_, err := j.Cancel("u1", t0)
	require.NoError(t, err)
	err = j.TakeBundle("disp", 1, t0)
	require.Equal(t, apperr.Gone, apperr.CodeOf(err), "a final job")
	require.NotErrorIs(t, err, ErrBundleTaken)
}
