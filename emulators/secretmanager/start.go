package secretmanager

import (
	"fmt"
	"net"
	"sync"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc"
)

// Running is a Server listening on Addr.
type Running struct {
	// Addr is host:port, for option.WithEndpoint or SECRET_MANAGER_EMULATOR_HOST.
	Addr string
	// Server is the emulator's state, for tests that want to look inside.
	Server *Server

	grpc     *grpc.Server
	served   chan struct{}
	stopOnce sync.Once
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves a new
// Server in a goroutine until Stop. It serves plaintext gRPC with no
// authentication: bind it to loopback.
func Start(addr string, opts Options) (*Running, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("secret manager emulator: listen on %s: %w", addr, err)
	}
	srv := NewServer(opts)
	g := grpc.NewServer(grpc.UnaryInterceptor(srv.intercept))
	secretmanagerpb.RegisterSecretManagerServiceServer(g, srv)
	r := &Running{Addr: lis.Addr().String(), Server: srv, grpc: g, served: make(chan struct{})}
	go func() {
		defer close(r.served)
		_ = g.Serve(lis) // returns when Stop closes the listener
	}()
	return r, nil
}

// Stop closes the listener and every connection and waits for the serving
// goroutine to end. It is safe to call more than once.
func (r *Running) Stop() {
	r.stopOnce.Do(func() {
		r.grpc.Stop()
		<-r.served
	})
}
