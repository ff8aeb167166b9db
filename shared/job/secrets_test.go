package job

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

func TestQueueingHoldsSecretsUntilScrubbed(t *testing.T) {
	j := queued(t)
	require.True(t, j.SecretsHeld, "a queued job gets a workflow token")
	_, err := j.Scrubbed(t0)
	require.Equal(t, apperr.Conflict, apperr.CodeOf(err), "not final yet")

	_, err = j.Cancel("u1", t0)
	require.NoError(t, err)
	ev, err := j.Scrubbed(t0)
	require.NoError(t, err)
	require.Equal(t, EventScrubbed, ev.Type)
	require.False(t, j.SecretsHeld)
	_, err = j.Scrubbed(t0)
	require.ErrorIs(t, err, ErrDuplicate)
}

func TestReuseKeyMatches(t *testing.T) {
	done := &Job{State: Succeeded, SpecHash: "h", Workspace: Artifact{MD5: "m"}, RuntimeUser: "u1", RuntimeScopes: []string{"jobs:read", "objects:read"}}
	key := ReuseKey{SpecHash: "h", WorkspaceMD5: "m", RuntimeUser: "u1", RuntimeScopes: []string{"jobs:read", "objects:read"}}
	require.True(t, key.Matches(done, false))
	require.False(t, key.Matches(done, true), "no attestation recorded")
	withAtt := *done
	withAtt.Attestation.Present = true
	require.True(t, key.Matches(&withAtt, true))

	for name, k := range map[string]ReuseKey{
		"other spec":      {SpecHash: "x", WorkspaceMD5: "m", RuntimeUser: "u1", RuntimeScopes: key.RuntimeScopes},
		"other workspace": {SpecHash: "h", WorkspaceMD5: "x", RuntimeUser: "u1", RuntimeScopes: key.RuntimeScopes},
		"other user":      {SpecHash: "h", WorkspaceMD5: "m", RuntimeUser: "u2", RuntimeScopes: key.RuntimeScopes},
		"fewer scopes":    {SpecHash: "h", WorkspaceMD5: "m", RuntimeUser: "u1", RuntimeScopes: []string{"jobs:read"}},
		"all scopes":      {SpecHash: "h", WorkspaceMD5: "m", RuntimeUser: "u1", RuntimeScopes: []string{"all"}},
	} {
		require.False(t, k.Matches(done, false), name)
	}
	failed := *done
	failed.State = Failed
	require.False(t, key.Matches(&failed, false), "only SUCCEEDED jobs are reused")
}

func TestRejectedUploadIsRememberedOnce(t *testing.T) {
	j := newJob()
	bad := Arrival{Generation: 9, SizeBytes: 1000}
	events, rejected, err := j.WorkspaceArrived(bad, t0)
	require.NoError(t, err)
	require.True(t, rejected)
	require.Len(t, events, 1)
	events, rejected, err = j.WorkspaceArrived(bad, t0)
	require.ErrorIs(t, err, ErrDuplicate, "a redelivery records nothing")
	require.True(t, rejected, "but the caller deletes the bytes again")
	require.Empty(t, events)

	for gen := int64(100); gen < 100+2*maxRejected; gen++ {
		key, err := j.NewWorkspaceKey(t0)
		require.NoError(t, err)
		_, _, err = j.WorkspaceArrived(Arrival{Generation: gen, SizeBytes: 1000, Epoch: key}, t0)
		require.NoError(t, err)
	}
	require.Len(t, j.Rejected, maxRejected, "the memory is bounded")
	_, _, err = j.WorkspaceArrived(Arrival{Generation: 100 + 2*maxRejected - 1, SizeBytes: 1000, Epoch: j.WorkspaceKey}, t0)
	require.ErrorIs(t, err, ErrDuplicate)
}
