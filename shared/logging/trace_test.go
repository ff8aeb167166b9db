package logging_test

import (
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/logging"
)

func TestTraceFromRequest(t *testing.T) {
	const trace, span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	cases := []struct {
		name, traceparent, cloud string
		wantTrace, wantSpan      string
	}{
		{name: "none"},
		{name: "traceparent", traceparent: "00-" + trace + "-" + span + "-01", wantTrace: trace, wantSpan: span},
		{name: "traceparent wins", traceparent: "00-" + trace + "-" + span + "-00", cloud: "11111111111111111111111111111111/1;o=1", wantTrace: trace, wantSpan: span},
		{name: "future version with extra field", traceparent: "01-" + trace + "-" + span + "-01-extra", wantTrace: trace, wantSpan: span},
		{name: "version 00 with extra field", traceparent: "00-" + trace + "-" + span + "-01-extra"},
		{name: "version ff", traceparent: "ff-" + trace + "-" + span + "-01"},
		{name: "uppercase", traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + span + "-01"},
		{name: "zero trace", traceparent: "00-00000000000000000000000000000000-" + span + "-01"},
		{name: "zero span", traceparent: "00-" + trace + "-0000000000000000-01"},
		{name: "short", traceparent: "00-" + trace + "-" + span},
		{name: "bad traceparent falls back", traceparent: "garbage", cloud: trace + "/1;o=1", wantTrace: trace, wantSpan: "0000000000000001"},
		{name: "cloud", cloud: trace + "/12345678901234567890;o=1", wantTrace: trace, wantSpan: "ab54a98ceb1f0ad2"},
		{name: "cloud uppercase", cloud: "4BF92F3577B34DA6A3CE929D0E0E4736/255", wantTrace: trace, wantSpan: "00000000000000ff"},
		{name: "cloud without span", cloud: trace, wantTrace: trace},
		{name: "cloud without span, options", cloud: trace + ";o=1", wantTrace: trace},
		{name: "cloud bad span", cloud: trace + "/-5;o=1", wantTrace: trace},
		{name: "cloud span overflow", cloud: trace + "/99999999999999999999", wantTrace: trace},
		{name: "cloud short trace", cloud: "4bf92f35/1"},
		{name: "cloud non-hex", cloud: "4bf92f3577b34da6a3ce929d0e0e473g/1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if c.traceparent != "" {
				r.Header.Set("traceparent", c.traceparent)
			}
			if c.cloud != "" {
				r.Header.Set("X-Cloud-Trace-Context", c.cloud)
			}
			gotTrace, gotSpan := logging.TraceFromRequest(r)
			require.Equal(t, c.wantTrace, gotTrace)
			require.Equal(t, c.wantSpan, gotSpan)
		})
	}
}

var (
	traceIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)
	spanIDPattern  = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

func FuzzTraceFromRequest(f *testing.F) {
	f.Add("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "")
	f.Add("", "4bf92f3577b34da6a3ce929d0e0e4736/12345;o=1")
	f.Add("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", "a/b;c")
	f.Fuzz(func(t *testing.T, traceparent, cloud string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Traceparent"] = []string{traceparent}
		r.Header["X-Cloud-Trace-Context"] = []string{cloud}
		trace, span := logging.TraceFromRequest(r)
		if trace == "" {
			require.Empty(t, span)
			return
		}
		require.Regexp(t, traceIDPattern, trace)
		require.NotEqual(t, "00000000000000000000000000000000", trace)
		if span != "" {
			require.Regexp(t, spanIDPattern, span)
			require.NotEqual(t, "0000000000000000", span)
		}
	})
}
