package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/logging"
)

type requestStateKey struct{}

// WithLogger returns ctx carrying logger; WithLogging puts its logger there.
func WithLogger(ctx context.Context, logger *slog.Logger) context.Context {
	return logging.WithLogger(ctx, logger)
}

// LoggerFrom returns the logger ctx carries, or slog.Default().
func LoggerFrom(ctx context.Context) *slog.Logger {
	return logging.LoggerFrom(ctx)
}

// WithPrincipal returns ctx carrying p; the access log of the request names
// p's id.
func WithPrincipal(ctx context.Context, p identity.Principal) context.Context {
	if st, ok := ctx.Value(requestStateKey{}).(*requestState); ok {
		st.setUserID(p.ID)
	}
	return identity.WithPrincipal(ctx, p)
}

// PrincipalFrom returns the principal WithAuth found, if any.
func PrincipalFrom(ctx context.Context) (identity.Principal, bool) {
	return identity.PrincipalFrom(ctx)
}

// requestState is what inner handlers tell WithLogging's access log; one per
// request, so nothing is shared between requests.
type requestState struct {
	mu     sync.Mutex
	userID string
}

func (s *requestState) setUserID(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userID = id
}

func (s *requestState) user() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userID
}

// UserOrJob returns the request's principal when it is a user or a running
// job (which acts as its runtime user): the callers of the jobs and objects
// APIs. Without a principal it is Unauthenticated; a service principal is
// PermissionDenied, naming api.
func UserOrJob(r *http.Request, api string) (identity.Principal, error) {
	p, ok := PrincipalFrom(r.Context())
	if !ok {
		return identity.Principal{}, apperr.E(apperr.Unauthenticated, "a valid credential is required")
	}
	if p.Kind != identity.User && p.Kind != identity.Job {
		return identity.Principal{}, apperr.E(apperr.PermissionDenied, "the %s API serves users and jobs; %s principals may not call it", api, p.Kind)
	}
	return p, nil
}
