package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/logging"
)

// decodeLines parses every line of out as a JSON object.
func decodeLines(t *testing.T, out *bytes.Buffer) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		lines = append(lines, m)
	}
	return lines
}

func TestSeverityMapping(t *testing.T) {
	cases := []struct {
		level slog.Level
		want  string
	}{
		{slog.LevelDebug - 4, "DEBUG"},
		{slog.LevelDebug, "DEBUG"},
		{slog.LevelInfo, "INFO"},
		{slog.LevelInfo + 2, "INFO"},
		{slog.LevelWarn, "WARNING"},
		{slog.LevelError, "ERROR"},
		{slog.LevelError + 4, "ERROR"},
	}
	var out bytes.Buffer
	logger := logging.New(&out, logging.Options{Level: slog.LevelDebug - 4, Masker: logging.NewMasker()})
	for _, c := range cases {
		logger.Log(context.Background(), c.level, "at "+c.level.String())
	}
	lines := decodeLines(t, &out)
	require.Len(t, lines, len(cases))
	for i, c := range cases {
		require.Equal(t, c.want, lines[i]["severity"], c.level.String())
		require.Equal(t, "at "+c.level.String(), lines[i]["message"])
		require.NotContains(t, lines[i], "level")
		require.NotContains(t, lines[i], "msg")
		ts, ok := lines[i]["time"].(string)
		require.True(t, ok)
		_, err := time.Parse(time.RFC3339Nano, ts)
		require.NoError(t, err)
	}
}

func TestLevelFilters(t *testing.T) {
	var out bytes.Buffer
	logger := logging.New(&out, logging.Options{Masker: logging.NewMasker()})
	logger.Debug("hidden")
	logger.Info("shown")
	lines := decodeLines(t, &out)
	require.Len(t, lines, 1)
	require.Equal(t, "shown", lines[0]["message"])
}

func TestTraceFieldsStayAtTopLevel(t *testing.T) {
	const traceID, spanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	ctx := logging.WithRequestID(logging.WithTrace(context.Background(), traceID, spanID), "req-1")

	var out bytes.Buffer
	logger := logging.New(&out, logging.Options{ProjectID: "valet-prod", Masker: logging.NewMasker()})
	logger.InfoContext(ctx, "plain", "k", "v")
	logger.WithGroup("g").With("a", 1).InfoContext(ctx, "grouped", "k", "v")
	logger.Info("no context fields")

	lines := decodeLines(t, &out)
	require.Len(t, lines, 3)
	for _, l := range lines[:2] {
		require.Equal(t, "projects/valet-prod/traces/"+traceID, l[logging.TraceKey])
		require.Equal(t, spanID, l[logging.SpanIDKey])
		require.Equal(t, "req-1", l[logging.RequestIDKey])
	}
	require.Equal(t, "v", lines[0]["k"])
	require.Equal(t, map[string]any{"a": 1.0, "k": "v"}, lines[1]["g"])
	require.NotContains(t, lines[2], logging.TraceKey)
	require.NotContains(t, lines[2], logging.SpanIDKey)
	require.NotContains(t, lines[2], logging.RequestIDKey)
}

func TestTraceWithoutProjectOrSpan(t *testing.T) {
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	var out bytes.Buffer
	logging.New(&out, logging.Options{Masker: logging.NewMasker()}).
		InfoContext(logging.WithTrace(context.Background(), traceID, ""), "m")
	line := decodeLines(t, &out)[0]
	require.Equal(t, traceID, line[logging.TraceKey])
	require.NotContains(t, line, logging.SpanIDKey)
}

func TestAttributesCannotForgeBuiltInFields(t *testing.T) {
	var out bytes.Buffer
	logging.New(&out, logging.Options{Masker: logging.NewMasker()}).
		Info("real", "msg", "fake", "level", "fake", "severity", "ERROR", "message", "fake", logging.TraceKey, "fake")
	line := decodeLines(t, &out)[0]
	require.Equal(t, "real", line["message"])
	require.Equal(t, "INFO", line["severity"])
	require.Equal(t, "fake", line["msg_"])
	require.Equal(t, "fake", line["level_"])
	require.Equal(t, "ERROR", line["severity_"])
	require.Equal(t, "fake", line["message_"])
	require.Equal(t, "fake", line[logging.TraceKey+"_"])
	require.NotContains(t, line, logging.TraceKey)
}

type panicky struct{}

func (panicky) String() string { panic("boom") }

func TestValuesThatCannotBeFormatted(t *testing.T) {
	var out bytes.Buffer
	logging.New(&out, logging.Options{Masker: logging.NewMasker()}).
		Info("m", "stringer", panicky{}, "chan", make(chan int), "nil", nil, "n", 3, "d", time.Second)
	line := decodeLines(t, &out)[0]
	require.Equal(t, "!PANIC in String or Error method", line["stringer"])
	require.True(t, strings.HasPrefix(line["chan"].(string), "!ERROR: "))
	require.Nil(t, line["nil"])
	require.Equal(t, 3.0, line["n"])
	require.Equal(t, float64(time.Second), line["d"])
}
