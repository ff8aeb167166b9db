// Package objecttest is the conformance suite of object.Store: every
// implementation runs Run against its backend (an emulator in tests) so
// they all honour the same contract: usage counted with every transition,
// the quota held under concurrent creates, redeliveries acknowledged
// without effect. It has no cloud imports.
package objecttest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/storetest"
)

// Run runs the conformance suite. newStore is called once per subtest; the
// subtests use spaces of their own (unique to this process), so the store
// need not be empty, and they do not run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) object.Store) {
	storetest.Run(t, newStore,
		testCreateCountsPendingAgainstQuota, testArrival,
		testDeleteReleasesBytes, testRekey, testListByPrefixAndPage,
		testInSpace, testExpiresPendingUploads,
		testQuotaHoldsUnderConcurrency,
	)
}

// NewSpace returns a user space no other call returned in this process.
func NewSpace() ids.SpaceID {
	return ids.UserSpace(ids.UserID(storetest.Unique("ot")))
}

// Create makes a PENDING object of size bytes named name in space (created
// at storetest.T0 by "u1") and stores it with quota.
func Create(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64, quota int64) (*object.Object, error) {
	t.Helper()
	o, err := object.New(space, name, "application/octet-stream", size, "", "u1", storetest.T0)
	require.NoError(t, err)
	return o, s.Create(storetest.Context(t), o, quota)
}

// MustCreate is Create with the default quota, failing t on an error.
func MustCreate(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64) *object.Object {
	t.Helper()
	o, err := Create(t, s, space, name, size, 0)
	require.NoError(t, err)
	return o
}

// MustReady is MustCreate, then its size bytes arriving: a READY object.
func MustReady(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64) *object.Object {
	t.Helper()
	return arrive(t, s, MustCreate(t, s, space, name, size), size)
}

// MustRejected stores an object of 1 byte at which 2 bytes arrive: a
// REJECTED object.
func MustRejected(t *testing.T, s object.Store, space ids.SpaceID, name string) *object.Object {
	t.Helper()
	return arrive(t, s, MustCreate(t, s, space, name, 1), 2)
}

// arrive records size bytes arriving at o's key as its generation 1 and
// returns the object then.
func arrive(t *testing.T, s object.Store, o *object.Object, size int64) *object.Object {
	t.Helper()
	o, _, err := s.Arrived(storetest.Context(t), o.ID, o.Key, object.Arrival{Generation: 1, SizeBytes: size}, storetest.T0)
	require.NoError(t, err)
	return o
}

// Usage returns what space holds.
func Usage(t *testing.T, s object.Store, space ids.SpaceID) object.Usage {
	t.Helper()
	u, err := s.Usage(storetest.Context(t), space)
	require.NoError(t, err)
	return u
}
