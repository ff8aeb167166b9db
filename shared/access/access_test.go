package access

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/job"
)

func TestCanJob(t *testing.T) {
	alice := identity.Principal{Kind: identity.User, ID: "alice", Scopes: identity.AllScopes}
	bob := identity.Principal{Kind: identity.User, ID: "bob", Scopes: identity.AllScopes}
	service := identity.Principal{Kind: identity.Service, ID: "alice"}
	jobWithoutScopes := identity.Principal{Kind: identity.Job, ID: "alice"}
	noID := identity.Principal{Kind: identity.User}
	aliceReadOnly := identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"jobs:read"}}
	aliceObjectsOnly := identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"objects:write"}}
	aliceOtherSpace := identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"jobs:write@projects/other"}}
	aliceOwnSpace := identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"jobs:write@users/alice"}}
	aliceNoScopes := identity.Principal{Kind: identity.User, ID: "alice"}

	alicesJob := &job.Job{ID: "j1", Owner: "alice"}
	projectJob := &job.Job{ID: "j2", Owner: "alice", Project: "proj1"}
	ownerless := &job.Job{ID: "j3"}

	for _, tc := range []struct {
		name   string
		p      identity.Principal
		action Action
		j      *job.Job
		want   bool
	}{
		{"the owner reads", alice, ReadJob, alicesJob, true},
		{"a jobs:read token reads", aliceReadOnly, ReadJob, alicesJob, true},
		{"a jobs:read token may not write", aliceReadOnly, WriteJob, alicesJob, false},
		{"a jobs:read token may not create", aliceReadOnly, CreateJob, alicesJob, false},
		{"an objects token may not read jobs", aliceObjectsOnly, ReadJob, alicesJob, false},
		{"a token for another space may not read", aliceOtherSpace, ReadJob, alicesJob, false},
		{"a token for the owner's space writes", aliceOwnSpace, WriteJob, alicesJob, true},
		{"a credential without scopes may do nothing", aliceNoScopes, ReadJob, alicesJob, false},
		{"the owner writes", alice, WriteJob, alicesJob, true},
		{"the owner creates", alice, CreateJob, alicesJob, true},
		{"another user may not read", bob, ReadJob, alicesJob, false},
		{"another user may not write", bob, WriteJob, alicesJob, false},
		{"another user may not create for the owner", bob, CreateJob, alicesJob, false},
		{"a service with the owner's id may not read", service, ReadJob, alicesJob, false},
		{"a job principal without scopes may not read", jobWithoutScopes, ReadJob, alicesJob, false},
		{"without a role looked up, project jobs are refused", alice, ReadJob, projectJob, false},
		{"project jobs cannot be created yet", alice, CreateJob, projectJob, false},
		{"a principal without id never matches an ownerless job", noID, ReadJob, ownerless, false},
		{"an unknown action is refused", alice, Action("jobs.delete"), alicesJob, false},
		{"the empty action is refused", alice, "", alicesJob, false},
		{"a nil job is refused", alice, ReadJob, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, CanJob(tc.p, tc.action, tc.j))
		})
	}
}

func TestCanListJobs(t *testing.T) {
	require.True(t, CanListJobs(identity.Principal{Kind: identity.User, ID: "alice", Scopes: identity.AllScopes}))
	require.True(t, CanListJobs(identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"jobs:write@users/alice"}}))
	require.False(t, CanListJobs(identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"objects:read"}}))
	require.False(t, CanListJobs(identity.Principal{Kind: identity.User, ID: "alice", Scopes: []string{"jobs:read@projects/other"}}))
	require.False(t, CanListJobs(identity.Principal{Kind: identity.Service, ID: "svc", Scopes: identity.AllScopes}))
	require.True(t, CanListJobs(identity.Principal{Kind: identity.Job, ID: "alice", Scopes: []string{"jobs:read"}}), "a running job lists its user's jobs")
	require.False(t, CanListJobs(identity.Principal{Kind: identity.Job, ID: "alice", Scopes: []string{"objects:read"}}))
}
