package firestore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/job"
)

// TestStoreCallsEndAtTheirDeadline: the Go client retries a query it
// cannot encode (a string that is not UTF-8, as an object-list prefix once
// was) until its context ends. Under a context that never ends, a store
// call still returns at its own deadline, as Unavailable saying so,
// instead of holding its caller. (Handlers check what they pass first;
// this is the bound for whatever a check misses.)
func TestStoreCallsEndAtTheirDeadline(t *testing.T) {
	client := firestoretest.New(t)
	jobs := valetfs.NewJobStore(client, valetfs.CallTimeout(time.Second))
	ctx := context.Background() // no deadline of its own

	for name, call := range map[string]func() error{
		"JobStore.List": func() error {
			_, _, err := jobs.List(ctx, job.Query{Owner: "u\xff"})
			return err
		},
		"JobStore.Reusable": func() error {
			_, err := jobs.Reusable(ctx, job.ReuseKey{SpecHash: "\xff", WorkspaceMD5: "x", RuntimeUser: "u"}, 1)
			return err
		},
	} {
		err := call()
		require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "%s: %v", name, err)
		require.Equal(t, "the database did not answer in time; retry shortly", apperr.From(err).Message, name)
	}
}

// TestCallTimeoutDefault: a store call without the option is bounded by
// DefaultCallTimeout, well inside the functions' 60 s timeout.
func TestCallTimeoutDefault(t *testing.T) {
	ctx, cancel := valetfs.Bound(context.Background(), 0)
	defer cancel()
	deadline, ok := ctx.Deadline()
	require.True(t, ok)
	require.WithinDuration(t, time.Now().Add(valetfs.DefaultCallTimeout), deadline, 5*time.Second)
	require.Less(t, valetfs.DefaultCallTimeout, 60*time.Second)
}
