package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
)

// The Cloud Logging fields the handler writes besides the attributes.
const (
	SeverityKey  = "severity"
	MessageKey   = "message"
	TraceKey     = "logging.googleapis.com/trace"
	SpanIDKey    = "logging.googleapis.com/spanId"
	RequestIDKey = "requestId"
	// LabelsKey holds the entry's labels ("Structured logging", special
	// JSON fields: https://cloud.google.com/logging/docs/structured-logging).
	LabelsKey = "logging.googleapis.com/labels"
)

// handler is a slog.JSONHandler whose ReplaceAttr renames the built-in keys
// and masks every value. It keeps WithAttrs and WithGroup to itself instead
// of passing them on, so that the trace fields stay at the top level whatever
// groups are open, and so that attributes bound early are masked with the
// secrets registered by the time each line is written.
type handler struct {
	inner     slog.Handler
	out       *lockedWriter // what inner writes to
	masker    interface{ Mask(string) string }
	projectID string
	labels    map[string]string // Options.Labels, written on every line
	root      []slog.Attr       // attributes bound before any group was opened
	groups    []openGroup       // groups opened with WithGroup, outermost first
}

type openGroup struct {
	name  string
	attrs []slog.Attr
}

// reservedKeys are the top-level keys the handler writes itself; attributes
// with these keys are renamed with a trailing '_' so they can neither collide
// with nor be mistaken for the built-in fields.
var reservedKeys = map[string]bool{
	slog.TimeKey: true, slog.LevelKey: true, slog.MessageKey: true, slog.SourceKey: true,
	SeverityKey: true, MessageKey: true, TraceKey: true, SpanIDKey: true, RequestIDKey: true, LabelsKey: true,
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := *h
	if len(c.groups) == 0 {
		c.root = append(slices.Clip(c.root), attrs...)
		return &c
	}
	c.groups = slices.Clone(c.groups)
	last := &c.groups[len(c.groups)-1]
	last.attrs = append(slices.Clip(last.attrs), attrs...)
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.groups = append(slices.Clip(c.groups), openGroup{name: name})
	return &c
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	if traceID, spanID := TraceFrom(ctx); traceID != "" {
		if h.projectID != "" {
			out.AddAttrs(slog.String(TraceKey, "projects/"+h.projectID+"/traces/"+traceID))
		} else {
			out.AddAttrs(slog.String(TraceKey, traceID))
		}
		if spanID != "" {
			out.AddAttrs(slog.String(SpanIDKey, spanID))
		}
	}
	if id := RequestIDFrom(ctx); id != "" {
		out.AddAttrs(slog.String(RequestIDKey, id))
	}
	if len(h.labels) > 0 {
		out.AddAttrs(slog.Any(LabelsKey, h.labels))
	}

	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	for i := len(h.groups) - 1; i >= 0; i-- {
		g := h.groups[i]
		inGroup := append(slices.Clip(g.attrs), attrs...)
		attrs = []slog.Attr{{Key: g.name, Value: slog.GroupValue(inGroup...)}}
	}
	for _, a := range append(slices.Clip(h.root), attrs...) {
		if reservedKeys[a.Key] {
			a.Key += "_"
		}
		out.AddAttrs(a)
	}
	if sm := scopeMasker(ctx); sm != nil {
		// The request's own secrets too: a handler for this line only.
		c := *h
		c.masker = maskers{sm, h.masker}
		return slog.NewJSONHandler(h.out, &slog.HandlerOptions{ReplaceAttr: c.replaceAttr}).Handle(ctx, out)
	}
	return h.inner.Handle(ctx, out)
}

// replaceAttr renames the built-in keys for Cloud Logging and masks every
// other attribute. Handle renames attributes that would collide with the
// built-in keys, so a top-level "level" or "msg" here is always built in.
func (h *handler) replaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.LevelKey:
			level, _ := a.Value.Any().(slog.Level)
			return slog.String(SeverityKey, Severity(level))
		case slog.MessageKey:
			return slog.String(MessageKey, h.masker.Mask(a.Value.String()))
		case slog.TimeKey:
			return a
		}
	}
	a.Key = h.masker.Mask(a.Key)
	a.Value = h.maskValue(a.Value)
	return a
}

// maskValue masks the text a value would be written as. slog resolves
// LogValuers before ReplaceAttr and calls it for each member of a group, so
// only leaf values arrive here.
func (h *handler) maskValue(v slog.Value) slog.Value {
	switch v.Kind() {
	case slog.KindString:
		return slog.StringValue(h.masker.Mask(v.String()))
	case slog.KindAny:
	default:
		return v // numbers, booleans, durations and times hold no secrets
	}
	switch x := v.Any().(type) {
	case nil:
		return v
	case error:
		return slog.StringValue(h.masker.Mask(safeText(x.Error)))
	case fmt.Stringer:
		return slog.StringValue(h.masker.Mask(safeText(x.String)))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := safeEncode(enc, v.Any()); err != nil {
		return slog.StringValue("!ERROR: " + h.masker.Mask(err.Error()))
	}
	text := bytes.TrimRight(buf.Bytes(), "\n")
	masked := h.masker.Mask(string(text))
	if json.Valid([]byte(masked)) {
		return slog.AnyValue(json.RawMessage(masked))
	}
	// Masking cut through JSON syntax; the masked text is still safe to show.
	return slog.StringValue(masked)
}

// safeText calls a String or Error method that may panic, as fmt does.
func safeText(f func() string) (s string) {
	defer func() {
		if p := recover(); p != nil {
			s = "!PANIC in String or Error method"
		}
	}()
	return f()
}

func safeEncode(enc *json.Encoder, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic while marshalling a %T", v)
		}
	}()
	return enc.Encode(v)
}
