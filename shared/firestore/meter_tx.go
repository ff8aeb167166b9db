package firestore

import (
	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
)

// A transaction that loses to another (Firestore aborts one of two that
// read and then write the same document; the emulator answers
// "Transaction lock timeout") is run again by the client library, and
// its reads are billed again. The meter counts the reads of every
// attempt in Reads, and those of the attempts that were aborted also in
// RetriedReads: the cost of contention, apart from the cost of the work.

// txAttempt is what the meter knows of a transaction in flight.
type txAttempt struct {
	reads   int64
	aborted bool // a read of it was aborted: it ends in a rollback and runs again
}

// txRead counts n reads made in transaction tx ("" for none).
func (m *Meter) txRead(tx string, n int64) {
	if tx == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.txs == nil {
		m.txs = map[string]*txAttempt{}
	}
	a := m.txs[tx]
	if a == nil {
		a = &txAttempt{}
		m.txs[tx] = a
	}
	a.reads += n
}

// txReadFailed notes that a read in transaction tx failed with err.
func (m *Meter) txReadFailed(tx string, err error) {
	if tx == "" || !isAborted(err) {
		return
	}
	m.txRead(tx, 0)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.txs[tx].aborted = true
}

// txEnd ends the transaction a commit or a rollback names, and counts its
// reads as retried when it was aborted.
func (m *Meter) txEnd(req any, err error) {
	var tx string
	aborted := false
	switch r := req.(type) {
	case *pb.CommitRequest:
		tx, aborted = string(r.GetTransaction()), isAborted(err)
	case *pb.RollbackRequest:
		tx = string(r.GetTransaction())
	}
	if tx == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a := m.txs[tx]
	delete(m.txs, tx)
	if a != nil && (aborted || a.aborted) {
		m.retried.Add(a.reads)
	}
}

// transactionOf is the transaction a read request runs in ("" for none).
func transactionOf(req any) string {
	switch r := req.(type) {
	case *pb.BatchGetDocumentsRequest:
		return string(r.GetTransaction())
	case *pb.RunQueryRequest:
		return string(r.GetTransaction())
	}
	return ""
}
