package firestore

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// Operations counts Firestore operations as Google bills them ("Firestore
// pricing", https://cloud.google.com/firestore/pricing): a document read
// for each document a get returns or finds missing and for each document
// a query returns, with a minimum of one read a query; a write or a
// delete for each document a committed write changes.
type Operations struct {
	Reads, Writes, Deletes int64
	// RetriedReads are the Reads made by transaction attempts that were
	// aborted by contention and run again (meter_tx.go).
	RetriedReads int64
}

// Meter counts the operations of the clients built with its
// ClientOptions. The local stack uses it for the capacity model; nothing
// deployed does.
type Meter struct {
	reads, writes, deletes, retried atomic.Int64

	mu    sync.Mutex
	conns []*grpc.ClientConn    // dialed for the emulator; closed by Close
	txs   map[string]*txAttempt // the transactions in flight, by id
}

// Close closes the connections the meter dialed.
func (m *Meter) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.conns {
		_ = c.Close()
	}
	m.conns = nil
}

// Operations returns what the meter has counted so far.
func (m *Meter) Operations() Operations {
	return Operations{Reads: m.reads.Load(), Writes: m.writes.Load(), Deletes: m.deletes.Load(), RetriedReads: m.retried.Load()}
}

// ClientOptions are the options that make a client count its operations
// on m: interceptors on its gRPC connection. With FIRESTORE_EMULATOR_HOST
// set, the client library dials the emulator itself and ignores dial
// options, so the meter dials it (as the library does: plaintext, with the
// emulator's owner credential) and hands over the connection.
func (m *Meter) ClientOptions() ([]option.ClientOption, error) {
	dial := []grpc.DialOption{grpc.WithChainUnaryInterceptor(m.unary), grpc.WithChainStreamInterceptor(m.stream)}
	addr := os.Getenv(EmulatorHostEnv)
	if addr == "" {
		opts := make([]option.ClientOption, 0, len(dial))
		for _, d := range dial {
			opts = append(opts, option.WithGRPCDialOption(d))
		}
		return opts, nil
	}
	conn, err := grpc.NewClient(addr, append(dial,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(emulatorOwner{}))...)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.conns = append(m.conns, conn)
	m.mu.Unlock()
	return []option.ClientOption{option.WithGRPCConn(conn)}, nil
}

// emulatorOwner is the credential the Firestore emulator gives full access.
type emulatorOwner struct{}

func (emulatorOwner) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer owner"}, nil
}

func (emulatorOwner) RequireTransportSecurity() bool { return false }

// unary counts the writes and deletes of a successful commit.
func (m *Meter) unary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	m.txEnd(req, err)
	if commit, ok := req.(*pb.CommitRequest); ok && err == nil {
		for _, w := range commit.GetWrites() {
			if w.GetDelete() != "" {
				m.deletes.Add(1)
			} else {
				m.writes.Add(1)
			}
		}
	}
	return err
}

// stream counts the documents of gets and queries as they arrive.
func (m *Meter) stream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, err
	}
	query := strings.HasSuffix(method, "/RunQuery") || strings.HasSuffix(method, "/RunAggregationQuery")
	return &meteredStream{ClientStream: s, m: m, query: query}, nil
}

type meteredStream struct {
	grpc.ClientStream
	m       *Meter
	query   bool // a query: at least one read (an aggregation: one per 1,000 index entries, counted as one)
	counted int64
	done    bool
	tx      string // the transaction the request reads in, if any
}

func (s *meteredStream) SendMsg(msg any) error {
	s.tx = transactionOf(msg)
	return s.ClientStream.SendMsg(msg)
}

func (s *meteredStream) RecvMsg(msg any) error {
	err := s.ClientStream.RecvMsg(msg)
	if err == nil {
		switch r := msg.(type) {
		case *pb.BatchGetDocumentsResponse:
			if r.GetFound() != nil || r.GetMissing() != "" {
				s.add(1)
			}
		case *pb.RunQueryResponse:
			if r.GetDocument() != nil {
				s.add(1)
			}
		}
		return nil
	}
	s.m.txReadFailed(s.tx, err)
	if errors.Is(err, io.EOF) && s.query && s.counted == 0 && !s.done {
		s.done = true
		s.add(1) // the minimum charge of a query
	}
	return err
}

func (s *meteredStream) add(n int64) {
	s.counted += n
	s.m.reads.Add(n)
	s.m.txRead(s.tx, n)
}
