package secretmanager

import (
	"strconv"
	"sync"
	"time"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Options configures a Server.
type Options struct {
	// Now is the clock used for create, destroy and expire times; nil means
	// time.Now. Tests inject a clock to step past a secret's expiry.
	Now func() time.Time
	// Quotas are the per-project request quotas; the zero value is
	// Google's defaults.
	Quotas Quotas
}

// Server is an in-memory Secret Manager. It is safe for concurrent use; one
// mutex serialises every call, which is plenty for tests and a dev stack.
type Server struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer

	now    func() time.Time
	faults faults
	meter  *meter

	mu       sync.Mutex
	secrets  map[string]*secretRecord // by projects/P/secrets/S
	sequence uint64                   // creation order of secrets, and etags
}

var _ secretmanagerpb.SecretManagerServiceServer = (*Server)(nil)

// secretRecord is one stored secret and its versions.
type secretRecord struct {
	secret   *secretmanagerpb.Secret // metadata as returned, expiration as expire_time
	created  uint64                  // creation sequence, for newest-first listing
	versions []*versionRecord        // versions[i] is version i+1
}

// versionRecord is one stored version; data is nil once destroyed.
type versionRecord struct {
	version *secretmanagerpb.SecretVersion
	data    []byte
	crc32c  int64
}

// NewServer returns an empty Server.
func NewServer(opts Options) *Server {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	return &Server{now: now, meter: newMeter(opts.Quotas), secrets: make(map[string]*secretRecord)}
}

// nextEtag returns a fresh etag, quoted as the real service quotes its etags.
// Callers hold s.mu.
func (s *Server) nextEtag() string {
	s.sequence++
	return strconv.Quote(strconv.FormatUint(s.sequence, 10))
}

// lookupSecret returns the live secret called name, dropping it first if it
// has expired. Callers hold s.mu.
func (s *Server) lookupSecret(name secretName) (*secretRecord, error) {
	key := name.String()
	rec, ok := s.secrets[key]
	if ok && rec.expired(s.now()) {
		s.drop(key)
		ok = false
	}
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found.", key)
	}
	return rec, nil
}

// lookupVersion resolves a version name (the latest alias included) to its
// record. Callers hold s.mu.
func (s *Server) lookupVersion(name versionName) (*versionRecord, error) {
	rec, err := s.lookupSecret(name.secret)
	if err != nil {
		if name.isLatest() {
			return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", name.secret)
		}
		return nil, err
	}
	if name.isLatest() {
		if len(rec.versions) == 0 {
			return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", name.secret)
		}
		return rec.versions[len(rec.versions)-1], nil
	}
	if name.number > int64(len(rec.versions)) {
		return nil, status.Errorf(codes.NotFound, "Secret Version [%s] not found.", name)
	}
	return rec.versions[name.number-1], nil
}

// withSecret parses raw (projects/P/secrets/S) and runs f on the live
// secret it names, under s.mu.
func withSecret[T any](s *Server, raw string, f func(*secretRecord) (T, error)) (T, error) {
	return under(s, raw, parseSecretName, s.lookupSecret, f)
}

// withVersion parses raw (projects/P/secrets/S/versions/V, V a number or
// "latest") and runs f on the version it names, under s.mu.
func withVersion[T any](s *Server, raw string, f func(*versionRecord) (T, error)) (T, error) {
	return under(s, raw, parseVersionName, s.lookupVersion, f)
}

// under parses raw with parse, then, holding s.mu, looks the record up
// with lookup and runs f on it.
func under[N, R, T any](s *Server, raw string, parse func(string) (N, error), lookup func(N) (R, error), f func(R) (T, error)) (T, error) {
	var zero T
	name, err := parse(raw)
	if err != nil {
		return zero, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := lookup(name)
	if err != nil {
		return zero, err
	}
	return f(rec)
}

// listRequest is what every List request carries.
type listRequest interface {
	GetParent() string
	GetFilter() string
	GetPageSize() int32
	GetPageToken() string
}

// list parses a List request, its parent with parse, its filter over
// fields and the page it asks for, then, holding s.mu, runs f on them.
func list[N, T any](s *Server, req listRequest, parse func(string) (N, error), fields fieldSet, f func(N, filter, pager) (T, error)) (T, error) {
	var zero T
	parent, err := parse(req.GetParent())
	if err != nil {
		return zero, err
	}
	match, err := parseFilter(req.GetFilter(), fields)
	if err != nil {
		return zero, err
	}
	page, err := newPager(req.GetParent(), req.GetFilter(), req.GetPageSize(), req.GetPageToken())
	if err != nil {
		return zero, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(parent, match, page)
}

// drop deletes a secret and wipes its payloads from memory. Callers hold s.mu.
func (s *Server) drop(key string) {
	if rec, ok := s.secrets[key]; ok {
		for _, v := range rec.versions {
			v.wipe()
		}
		delete(s.secrets, key)
	}
}

// dropExpired deletes every expired secret. Callers hold s.mu.
func (s *Server) dropExpired() {
	now := s.now()
	for key, rec := range s.secrets {
		if rec.expired(now) {
			s.drop(key)
		}
	}
}

func (r *secretRecord) expired(now time.Time) bool {
	expire := r.secret.GetExpireTime()
	return expire != nil && !now.Before(expire.AsTime())
}

func (r *secretRecord) snapshot() *secretmanagerpb.Secret {
	return proto.Clone(r.secret).(*secretmanagerpb.Secret)
}

func (v *versionRecord) snapshot() *secretmanagerpb.SecretVersion {
	return proto.Clone(v.version).(*secretmanagerpb.SecretVersion)
}

// wipe overwrites and forgets the payload.
func (v *versionRecord) wipe() {
	clear(v.data)
	v.data = nil
	v.crc32c = 0
}

// checkEtag fails with FailedPrecondition when a caller's etag is set and
// differs from the stored one.
func checkEtag(given, stored string) error {
	if given != "" && given != stored {
		return status.Errorf(codes.FailedPrecondition, "etag %s does not match the current etag %s", given, stored)
	}
	return nil
}
