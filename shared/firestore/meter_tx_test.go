package firestore

import (
	"errors"
	"testing"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The reads of a transaction attempt count as retried when its commit is
// aborted, or when one of its reads is and it rolls back; never those of
// a transaction that commits, rolls back by choice, or reads outside one.
func TestMeterCountsTheReadsOfAbortedAttemptsApart(t *testing.T) {
	aborted := status.Error(codes.Aborted, "Transaction lock timeout.")
	commit := func(tx string) *pb.CommitRequest { return &pb.CommitRequest{Transaction: []byte(tx)} }
	rollback := func(tx string) *pb.RollbackRequest { return &pb.RollbackRequest{Transaction: []byte(tx)} }
	for name, tc := range map[string]struct {
		life    func(m *Meter)
		retried int64
	}{
		"commit aborted": {func(m *Meter) { m.txRead("a", 2); m.txEnd(commit("a"), aborted) }, 2},
		"committed":      {func(m *Meter) { m.txRead("a", 2); m.txEnd(commit("a"), nil) }, 0},
		"read aborted, then rolled back": {func(m *Meter) {
			m.txRead("a", 1)
			m.txReadFailed("a", aborted)
			m.txEnd(rollback("a"), nil)
		}, 1},
		"rolled back by choice": {func(m *Meter) {
			m.txRead("a", 1)
			m.txReadFailed("a", errors.New("not aborted"))
			m.txEnd(rollback("a"), nil)
		}, 0},
		"outside a transaction": {func(m *Meter) { m.txRead("", 3); m.txEnd(commit(""), aborted) }, 0},
		"two transactions": {func(m *Meter) {
			m.txRead("a", 2)
			m.txRead("b", 2)
			m.txEnd(commit("b"), nil)
			m.txEnd(commit("a"), aborted)
			m.txRead("c", 2)
			m.txEnd(commit("c"), nil)
		}, 2},
	} {
		var m Meter
		tc.life(&m)
		require.Equal(t, tc.retried, m.Operations().RetriedReads, name)
		require.Empty(t, m.txs, "%s: every ended transaction is forgotten", name)
	}
}
