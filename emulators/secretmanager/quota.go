package secretmanager

import (
	"context"
	"path"
	"strings"
	"sync"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Quotas are the per-project, per-minute request quotas of Secret Manager
// ("Secret Manager quotas and limits",
// https://cloud.google.com/secret-manager/quotas): an access request is a
// call of AccessSecretVersion; a read request is any other call that
// changes nothing (get, list, IAM reads); a write request is any call that
// creates, updates or deletes a secret or changes a version (add, enable,
// disable, destroy). Zero means Google's default; a negative value means
// no limit.
type Quotas struct {
	ReadPerMinute   int
	WritePerMinute  int
	AccessPerMinute int
}

// Google's default quotas per project and minute.
const (
	DefaultReadPerMinute   = 600
	DefaultWritePerMinute  = 600
	DefaultAccessPerMinute = 90_000
)

// quotaKind is the quota a request counts against.
type quotaKind int

const (
	readRequest quotaKind = iota
	writeRequest
	accessRequest
)

var quotaNames = [...]string{readRequest: "Read requests", writeRequest: "Write requests", accessRequest: "Access requests"}

// writeMethods are the mutating RPCs; AccessSecretVersion is an access;
// everything else is a read.
var writeMethods = map[string]bool{
	"CreateSecret": true, "UpdateSecret": true, "DeleteSecret": true, "AddSecretVersion": true,
	"EnableSecretVersion": true, "DisableSecretVersion": true, "DestroySecretVersion": true, "SetIamPolicy": true,
}

func kindOf(method string) quotaKind {
	switch {
	case method == "AccessSecretVersion":
		return accessRequest
	case writeMethods[method]:
		return writeRequest
	default:
		return readRequest
	}
}

// meter counts requests per project, kind and clock minute.
type meter struct {
	limits [3]int // by quotaKind; <= 0 means unlimited

	mu     sync.Mutex
	minute time.Time
	used   map[meterKey]int
	calls  map[string]int64 // by RPC name, over the server's life
}

type meterKey struct {
	project string
	kind    quotaKind
}

func newMeter(q Quotas) *meter {
	pick := func(v, def int) int {
		switch {
		case v == 0:
			return def
		case v < 0:
			return 0
		}
		return v
	}
	return &meter{
		limits: [3]int{
			readRequest:   pick(q.ReadPerMinute, DefaultReadPerMinute),
			writeRequest:  pick(q.WritePerMinute, DefaultWritePerMinute),
			accessRequest: pick(q.AccessPerMinute, DefaultAccessPerMinute),
		},
		used:  map[meterKey]int{},
		calls: map[string]int64{},
	}
}

// spend counts one request of method on project at now, and fails with
// ResourceExhausted, as the real service does, when the project's quota
// for this minute is spent. Refused requests count too.
func (m *meter) spend(method, project string, now time.Time) error {
	kind := kindOf(method)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[method]++
	if minute := now.Truncate(time.Minute); !minute.Equal(m.minute) {
		m.minute = minute
		clear(m.used)
	}
	key := meterKey{project: project, kind: kind}
	m.used[key]++
	if limit := m.limits[kind]; limit > 0 && m.used[key] > limit {
		return status.Errorf(codes.ResourceExhausted,
			"Quota exceeded for quota metric '%s' and limit '%s per minute' of service 'secretmanager.googleapis.com' for consumer '%s'.",
			quotaNames[kind], quotaNames[kind], project)
	}
	return nil
}

// Calls returns how many calls of each RPC (by short name, such as
// "GetSecretVersion") the server has received, refused ones included.
// Tests use it to show that a path does not spend Secret Manager quota.
func (s *Server) Calls() map[string]int64 {
	s.meter.mu.Lock()
	defer s.meter.mu.Unlock()
	out := make(map[string]int64, len(s.meter.calls))
	for k, v := range s.meter.calls {
		out[k] = v
	}
	return out
}

// TotalCalls is the sum of Calls.
func (s *Server) TotalCalls() int64 {
	var n int64
	for _, v := range s.Calls() {
		n += v
	}
	return n
}

// projectOf is the projects/P prefix of the resource a request names, ""
// when it names none (the handler refuses it anyway).
func projectOf(req any) string {
	var name string
	switch r := req.(type) {
	case interface{ GetParent() string }:
		name = r.GetParent()
	case *secretmanagerpb.UpdateSecretRequest:
		name = r.GetSecret().GetName()
	case interface{ GetName() string }:
		name = r.GetName()
	case interface{ GetResource() string }:
		name = r.GetResource()
	}
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 || parts[0] != "projects" {
		return ""
	}
	return parts[0] + "/" + parts[1]
}

// intercept is the gRPC interceptor in front of every RPC: it meters the
// request against its project's quota, then applies FailNext.
func (s *Server) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := s.meter.spend(path.Base(info.FullMethod), projectOf(req), s.now()); err != nil {
		return nil, err
	}
	if s.faults.fail() {
		return nil, status.Error(codes.Unavailable, "secret manager emulator: failing as asked (FailNext)")
	}
	return handler(ctx, req)
}

// Requests counts calls as Secret Manager's quotas count them.
type Requests struct {
	Read, Write, Access int64
}

// Requests returns the calls the server has received, refused ones
// included, split as the quotas count them (see Quotas): the figures
// valet's capacity model is built from.
func (s *Server) Requests() Requests {
	var r Requests
	for method, n := range s.Calls() {
		switch kindOf(method) {
		case readRequest:
			r.Read += n
		case writeRequest:
			r.Write += n
		case accessRequest:
			r.Access += n
		}
	}
	return r
}
