package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/logging"
)

// RequestIDHeader carries the request id in and out.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds a request id taken from a client.
const maxRequestIDLen = 128

// LogOptions configures WithLoggingOptions.
type LogOptions struct {
	// Logger writes the access log and, through the request context, the
	// lines of WriteError and of handlers using LoggerFrom; nil means
	// slog.Default() at the time of each request.
	Logger *slog.Logger
}

// WithLogging is WithLoggingOptions with the default logger.
func WithLogging(next http.Handler) http.Handler {
	return WithLoggingOptions(next, LogOptions{})
}

// WithLoggingOptions wraps next with what every request needs for its logs:
//   - a request id, from X-Request-Id when it is 1 to 128 characters of
//     [A-Za-z0-9._-], else generated; echoed in the response's X-Request-Id;
//   - the trace of traceparent or X-Cloud-Trace-Context;
//   - the logger, in the context (LoggerFrom);
//   - recovery from panics: the caller gets a 500 ErrorBody without the
//     panic's text, the log gets the text and the stack;
//   - one access log line per request, "request", with a Cloud Logging
//     httpRequest group (requestMethod, requestUrl: the path without the
//     query string, which may hold signatures; status; latency;
//     responseSize) and userId once WithAuth or WithPrincipal has set it.
//     Its level is WARNING for 5xx and INFO otherwise.
func WithLoggingOptions(next http.Handler, opts LogOptions) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		logger := opts.Logger
		if logger == nil {
			logger = slog.Default()
		}
		requestID := r.Header.Get(RequestIDHeader)
		if !wellFormedRequestID(requestID) {
			requestID = newRequestID()
		}
		w.Header().Set(RequestIDHeader, requestID)

		ctx := logging.WithSecretScope(logging.WithRequestID(r.Context(), requestID))
		if traceID, spanID := logging.TraceFromRequest(r); traceID != "" {
			ctx = logging.WithTrace(ctx, traceID, spanID)
		}
		ctx = WithLogger(ctx, logger)
		state := &requestState{}
		ctx = context.WithValue(ctx, requestStateKey{}, state)
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w}

		defer func() {
			p := recover()
			if p != nil && p != http.ErrAbortHandler {
				cause := fmt.Errorf("panic: %v\n%s", p, debug.Stack())
				if !rec.wroteHeader {
					WriteError(rec, r, &apperr.Error{Code: apperr.Internal, Message: genericInternal, Cause: cause})
				} else {
					logger.ErrorContext(ctx, "panic after the response started", "cause", cause)
				}
			}
			logAccess(ctx, logger, r, rec, state, time.Since(start))
			if p == http.ErrAbortHandler {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

func logAccess(ctx context.Context, logger *slog.Logger, r *http.Request, rec *recorder, state *requestState, latency time.Duration) {
	status := rec.status
	if !rec.wroteHeader {
		status = http.StatusOK
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.Group("httpRequest",
		slog.String("requestMethod", r.Method),
		slog.String("requestUrl", r.URL.Path),
		slog.Int("status", status),
		slog.String("latency", strconv.FormatFloat(latency.Seconds(), 'f', 9, 64)+"s"),
		slog.Int64("responseSize", rec.bytes),
	)}
	if id := state.user(); id != "" {
		attrs = append(attrs, slog.String("userId", id))
	}
	logger.LogAttrs(ctx, level, "request", attrs...)
}

func wellFormedRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WithAuth answers 401 with an ErrorBody and a WWW-Authenticate challenge
// when authenticate fails, and otherwise serves next with the principal in
// the context (PrincipalFrom). The message of an apperr.Unauthenticated error
// reaches the caller; any other failure is a generic 401, except
// *apperr.Error values with a 5xx code (a verifier's backend is down), which
// keep their status so clients retry instead of asking for new credentials.
func WithAuth(authenticate func(*http.Request) (identity.Principal, error), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := authenticate(r)
		if err != nil {
			WriteError(w, r, authError(w, err))
			return
		}
		next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
	})
}

func authError(w http.ResponseWriter, err error) error {
	var ae *apperr.Error
	isAppErr := errors.As(err, &ae)
	if isAppErr && apperr.Status(ae.Code) >= 500 {
		return ae
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="valet"`)
	if isAppErr && ae.Code == apperr.Unauthenticated {
		return ae
	}
	return &apperr.Error{Code: apperr.Unauthenticated, Message: "a valid credential is required", Cause: err}
}
