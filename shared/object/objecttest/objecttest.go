// Package objecttest is the conformance suite of object.Store: every
// implementation runs Run against its backend (an emulator in tests) so
// they all honour the same contract: usage counted with every transition,
// the quota held under concurrent creates, redeliveries acknowledged
// without effect. It has no cloud imports.
package objecttest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
)

// T0 is the suite's clock origin: whole seconds, so any backend's timestamp
// precision keeps them exact.
var T0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// Run runs the conformance suite. newStore is called once per subtest; the
// subtests use spaces of their own (unique to this process), so the store
// need not be empty, and they do not run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) object.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s object.Store)
	}{
		{"CreateCountsPendingAgainstQuota", testCreateCountsPendingAgainstQuota},
		{"Arrival", testArrival},
		{"DeleteReleasesBytes", testDeleteReleasesBytes},
		{"Rekey", testRekey},
		{"ListByPrefixAndPage", testListByPrefixAndPage},
		{"InSpace", testInSpace},
		{"ExpiresPendingUploads", testExpiresPendingUploads},
		{"QuotaHoldsUnderConcurrency", testQuotaHoldsUnderConcurrency},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

// seq makes the suite's spaces unique within the process; the start
// differs between runs, so a store kept between runs sees new spaces too.
var seq atomic.Int64

func init() { seq.Store(time.Now().UnixNano() % 1_000_000_000) }

// NewSpace returns a user space no other call returned in this process.
func NewSpace() ids.SpaceID {
	return ids.UserSpace(ids.UserID(fmt.Sprintf("ot%d", seq.Add(1))))
}

// Create makes a PENDING object of size bytes named name in space (created
// at T0 by "u1") and stores it with quota.
func Create(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64, quota int64) (*object.Object, error) {
	t.Helper()
	o, err := object.New(space, name, "application/octet-stream", size, "", "u1", T0)
	require.NoError(t, err)
	return o, s.Create(ctxFor(t), o, quota)
}

// MustCreate is Create with the default quota, failing t on an error.
func MustCreate(t *testing.T, s object.Store, space ids.SpaceID, name string, size int64) *object.Object {
	t.Helper()
	o, err := Create(t, s, space, name, size, 0)
	require.NoError(t, err)
	return o
}

// Usage returns what space holds.
func Usage(t *testing.T, s object.Store, space ids.SpaceID) object.Usage {
	t.Helper()
	u, err := s.Usage(ctxFor(t), space)
	require.NoError(t, err)
	return u
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
