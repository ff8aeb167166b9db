// Package logging writes structured logs that Cloud Logging understands, one
// JSON object per line, through a handler that masks secrets.
//
// Every line carries "severity" (DEBUG, INFO, WARNING, ERROR), "message" and
// "time" (RFC 3339 with nanoseconds), and, when the context holds them,
// "logging.googleapis.com/trace", "logging.googleapis.com/spanId" and
// "requestId". Every string that reaches a line (the message, attribute keys
// and values, error texts, Stringers, values marshalled to JSON, inside groups
// at any depth) first goes through a Masker, which replaces registered secrets
// in their usual encodings and anything shaped like a credential with "***".
//
// A process builds one logger with New and installs it with slog.SetDefault.
// Secrets valet issued or verified are registered as soon as they are known,
// with RegisterSecret: in the request's own scope when they belong to one
// request (lines logged with its context mask them), else in DefaultMasker
// (or an injected Masker in tests), which is bounded in size and time.
package logging

import (
	"io"
	"log/slog"
	"maps"
)

// Options configures New.
type Options struct {
	// Level is the minimum level written; nil means slog.LevelInfo.
	Level slog.Leveler
	// ProjectID is the Google Cloud project that owns the traces. Without it
	// the trace field holds the bare trace id, which Cloud Logging does not
	// link to Cloud Trace but still groups by.
	ProjectID string
	// Masker masks secrets; nil means DefaultMasker.
	Masker *Masker
	// Labels go on every line as "logging.googleapis.com/labels", which
	// Cloud Logging turns into the entry's labels (a log sink can route on
	// them). Attributes can never set that field: only a logger built with
	// Labels writes it.
	Labels map[string]string
}

// New returns a logger writing Cloud Logging JSON lines to w.
func New(w io.Writer, opts Options) *slog.Logger {
	return slog.New(NewHandler(w, opts))
}

// NewHandler returns the slog.Handler behind New, for callers that wrap it.
func NewHandler(w io.Writer, opts Options) slog.Handler {
	m := opts.Masker
	if m == nil {
		m = DefaultMasker
	}
	h := &handler{masker: m, projectID: opts.ProjectID, labels: maps.Clone(opts.Labels), out: &lockedWriter{w: w}}
	h.inner = slog.NewJSONHandler(h.out, &slog.HandlerOptions{
		Level:       opts.Level,
		ReplaceAttr: h.replaceAttr,
	})
	return h
}

// Severity is the Cloud Logging severity for a slog level.
func Severity(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARNING"
	default:
		return "ERROR"
	}
}
