package secretmanager

import (
	"context"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// faults makes the next calls fail, so tests can see how callers cope with
// an outage (Secret Manager down, an emulator restarting).
type faults struct {
	remaining atomic.Int64
}

// FailNext makes the next n calls answer Unavailable without doing
// anything.
func (s *Server) FailNext(n int) { s.faults.remaining.Store(int64(n)) }

// intercept is the gRPC interceptor that applies FailNext.
func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	for {
		n := s.faults.remaining.Load()
		if n <= 0 {
			return handler(ctx, req)
		}
		if s.faults.remaining.CompareAndSwap(n, n-1) {
			return nil, status.Error(codes.Unavailable, "secret manager emulator: failing as asked (FailNext)")
		}
	}
}
