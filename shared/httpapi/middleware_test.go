package httpapi_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/logging"
)

func TestPanicRecovery(t *testing.T) {
	sink, logger := newLogSink()
	h := httpapi.WithLoggingOptions(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("database password is hunter2-long-enough")
	}), httpapi.LogOptions{Logger: logger})

	rec := record(h, "GET", "/boom")

	require.Equal(t, http.StatusInternalServerError, rec.Code)
	raw := rec.Body.String()
	body := errorBody(t, rec)
	require.Equal(t, apperr.Internal, body.Error.Code)
	require.NotContains(t, raw, "hunter2")

	failed := sink.withMessage(t, "request failed")
	require.Len(t, failed, 1)
	require.Equal(t, "ERROR", failed[0]["severity"])
	require.Regexp(t, `^panic: database password is hunter2-long-enough\n`, failed[0]["cause"])

	access := sink.withMessage(t, "request")
	require.Len(t, access, 1)
	require.Equal(t, 500.0, access[0]["httpRequest"].(map[string]any)["status"])
}

func TestPanicAfterResponseStarted(t *testing.T) {
	sink, logger := newLogSink()
	h := httpapi.WithLoggingOptions(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		panic("late")
	}), httpapi.LogOptions{Logger: logger})
	rec := record(h, "GET", "/")
	require.Equal(t, http.StatusAccepted, rec.Code)
	require.Len(t, sink.withMessage(t, "panic after the response started"), 1)
}

func TestAbortHandlerPanicPropagates(t *testing.T) {
	_, logger := newLogSink()
	h := httpapi.WithLoggingOptions(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}), httpapi.LogOptions{Logger: logger})
	require.PanicsWithValue(t, http.ErrAbortHandler, func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	})
}

func TestAccessLog(t *testing.T) {
	const traceID, spanID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	sink, logger := newLogSink()
	var seenRequestID string
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenRequestID = logging.RequestIDFrom(r.Context())
		gotTrace, gotSpan := logging.TraceFrom(r.Context())
		require.Equal(t, traceID, gotTrace)
		require.Equal(t, spanID, gotSpan)
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	})
	h := httpapi.WithLoggingOptions(httpapi.WithAuth(func(*http.Request) (identity.Principal, error) {
		return identity.Principal{Kind: identity.User, ID: "u_alice"}, nil
	}, inner), httpapi.LogOptions{Logger: logger})

	r := httptest.NewRequest("GET", "/objects/o_1/download?X-Goog-Signature=deadbeefcafe&token=querysecret", nil)
	r.Header.Set("traceparent", "00-"+traceID+"-"+spanID+"-01")
	r.Header.Set("X-Request-Id", "client-req-42")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)

	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "client-req-42", rec.Header().Get("X-Request-Id"))
	require.Equal(t, "client-req-42", seenRequestID)

	lines := sink.withMessage(t, "request")
	require.Len(t, lines, 1)
	line := lines[0]
	require.Equal(t, "INFO", line["severity"])
	require.Equal(t, "client-req-42", line[logging.RequestIDKey])
	require.Equal(t, traceID, line[logging.TraceKey])
	require.Equal(t, spanID, line[logging.SpanIDKey])
	require.Equal(t, "u_alice", line["userId"])
	httpReq := line["httpRequest"].(map[string]any)
	require.Equal(t, "GET", httpReq["requestMethod"])
	require.Equal(t, "/objects/o_1/download", httpReq["requestUrl"])
	require.Equal(t, 200.0, httpReq["status"])
	require.Equal(t, float64(len(`{"ok":"yes"}`)+1), httpReq["responseSize"])
	require.Regexp(t, `^\d+\.\d{9}s$`, httpReq["latency"])
	require.NotContains(t, sink.String(), "querysecret")
	require.NotContains(t, sink.String(), "deadbeefcafe")
}

func TestRequestIDIsGeneratedWhenMissingOrMalformed(t *testing.T) {
	for _, given := range []string{"", "has space", "quote\"", string(make([]byte, 200))} {
		sink, logger := newLogSink()
		h := httpapi.WithLoggingOptions(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), httpapi.LogOptions{Logger: logger})
		r := httptest.NewRequest("GET", "/", nil)
		if given != "" {
			r.Header.Set("X-Request-Id", given)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		got := rec.Header().Get("X-Request-Id")
		require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{32}$`), got, "given %q", given)
		line := sink.withMessage(t, "request")[0]
		require.Equal(t, got, line[logging.RequestIDKey])
		require.NotContains(t, line, "userId")
		require.Equal(t, 200.0, line["httpRequest"].(map[string]any)["status"], "no write is a 200")
	}
}

func TestWithAuth(t *testing.T) {
	okHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := httpapi.PrincipalFrom(r.Context())
		require.True(t, ok)
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"id": p.ID})
	})
	cases := []struct {
		name    string
		err     error
		status  int
		code    apperr.Code
		message string
	}{
		{"unauthenticated keeps its message", apperr.E(apperr.Unauthenticated, "the token has expired"), 401, apperr.Unauthenticated, "the token has expired"},
		{"foreign error is a generic 401", errors.New("jwt: crypto/rsa: verification error"), 401, apperr.Unauthenticated, "a valid credential is required"},
		{"4xx apperr is a generic 401", apperr.E(apperr.Invalid, "bad header"), 401, apperr.Unauthenticated, "a valid credential is required"},
		{"backend down stays 503", apperr.E(apperr.Unavailable, "identity provider unreachable"), 503, apperr.Unavailable, "identity provider unreachable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := httpapi.WithAuth(func(*http.Request) (identity.Principal, error) { return identity.Principal{}, c.err }, okHandler)
			rec := record(h, "GET", "/jobs")
			require.Equal(t, c.status, rec.Code)
			body := errorBody(t, rec)
			require.Equal(t, c.code, body.Error.Code)
			require.Equal(t, c.message, body.Error.Message)
			if c.status == 401 {
				require.Equal(t, `Bearer realm="valet"`, rec.Header().Get("WWW-Authenticate"))
			}
		})
	}

	h := httpapi.WithAuth(func(*http.Request) (identity.Principal, error) {
		return identity.Principal{Kind: identity.User, ID: "u_bob"}, nil
	}, okHandler)
	rec := record(h, "GET", "/jobs")
	require.Equal(t, http.StatusOK, rec.Code)
	var got map[string]string
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Equal(t, "u_bob", got["id"])
}

func TestPrincipalFromEmptyContext(t *testing.T) {
	_, ok := httpapi.PrincipalFrom(httptest.NewRequest("GET", "/", nil).Context())
	require.False(t, ok)
}
