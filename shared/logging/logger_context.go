package logging

import (
	"context"
	"log/slog"
)

type loggerKey struct{}

// WithLogger returns ctx carrying logger (httpapi.WithLogging puts the
// request's logger there).
func WithLogger(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, logger)
}

// LoggerFrom returns the logger ctx carries, or slog.Default().
func LoggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return slog.Default()
}
