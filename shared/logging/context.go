package logging

import "context"

type traceKey struct{}

type trace struct{ traceID, spanID string }

type requestIDKey struct{}

// WithTrace returns ctx carrying a trace id (32 lowercase hex digits) and a
// span id (16 lowercase hex digits, may be empty), as TraceFromRequest
// returns them. Lines logged with the context carry both.
func WithTrace(ctx context.Context, traceID, spanID string) context.Context {
	if traceID == "" {
		return ctx
	}
	return context.WithValue(ctx, traceKey{}, trace{traceID: traceID, spanID: spanID})
}

// TraceFrom returns the trace and span ids ctx carries, or empty strings.
func TraceFrom(ctx context.Context) (traceID, spanID string) {
	if ctx == nil {
		return "", ""
	}
	t, _ := ctx.Value(traceKey{}).(trace)
	return t.traceID, t.spanID
}

// WithRequestID returns ctx carrying a request id; lines logged with the
// context carry it as "requestId".
func WithRequestID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id ctx carries, or "".
func RequestIDFrom(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
