package logging

import (
	"net/http"
	"strconv"
	"strings"
)

// The headers a trace arrives in.
const (
	TraceparentHeader       = "traceparent"           // W3C: 00-<32 hex trace>-<16 hex span>-<2 hex flags>
	CloudTraceContextHeader = "X-Cloud-Trace-Context" // Google: TRACE_ID/SPAN_ID;o=1, span in decimal
)

// TraceFromRequest returns the trace id (32 lowercase hex digits) and span id
// (16 lowercase hex digits, or "") of r, from the W3C traceparent header or,
// failing that, from X-Cloud-Trace-Context. Malformed headers are ignored:
// both results are then empty.
func TraceFromRequest(r *http.Request) (traceID, spanID string) {
	if r == nil {
		return "", ""
	}
	if t, s, ok := parseTraceparent(r.Header.Get(TraceparentHeader)); ok {
		return t, s
	}
	if t, s, ok := parseCloudTraceContext(r.Header.Get(CloudTraceContextHeader)); ok {
		return t, s
	}
	return "", ""
}

// parseTraceparent follows W3C Trace Context level 1: version 00 has exactly
// four fields; later versions may append fields after a '-'; version ff,
// uppercase hex and all-zero ids are invalid.
func parseTraceparent(v string) (traceID, spanID string, ok bool) {
	v = strings.TrimSpace(v)
	if len(v) < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return "", "", false
	}
	version, trace, span, flags := v[0:2], v[3:35], v[36:52], v[53:55]
	if !isLowerHex(version) || version == "ff" || !isLowerHex(flags) {
		return "", "", false
	}
	if len(v) > 55 && (version == "00" || v[55] != '-') {
		return "", "", false
	}
	if !isLowerHex(trace) || isZeros(trace) || !isLowerHex(span) || isZeros(span) {
		return "", "", false
	}
	return trace, span, true
}

// parseCloudTraceContext reads TRACE_ID[/SPAN_ID][;o=OPTIONS]; the trace id
// is 32 hex digits, the span id an unsigned decimal, returned as 16 hex
// digits. A malformed span id leaves the trace id usable.
func parseCloudTraceContext(v string) (traceID, spanID string, ok bool) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	trace, span, hasSpan := strings.Cut(v, "/")
	trace = strings.ToLower(trace)
	if len(trace) != 32 || !isLowerHex(trace) || isZeros(trace) {
		return "", "", false
	}
	if hasSpan && span != "" && len(span) <= 20 && isDigits(span) {
		if n, err := strconv.ParseUint(span, 10, 64); err == nil && n != 0 {
			spanID = strconv.FormatUint(n, 16)
			spanID = strings.Repeat("0", 16-len(spanID)) + spanID
		}
	}
	return trace, spanID, true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isZeros(s string) bool {
	return strings.Trim(s, "0") == ""
}
