package gcs_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/api/option"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/gcs"
)

// stub answers each request with the next of answers (status, JSON body)
// and records the requests' method, path and query.
type stub struct {
	mu       sync.Mutex
	answers  []string
	requests []string
	seen     func(n int) // called with the number of requests so far
}

func (s *stub) client(t *testing.T) *gcs.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		if s.seen != nil {
			s.seen(len(s.requests))
		}
		answer := `503 {"error":{"code":503,"message":"no more answers"}}`
		if len(s.answers) > 0 {
			answer, s.answers = s.answers[0], s.answers[1:]
		}
		status, body, _ := strings.Cut(answer, " ")
		code, err := strconv.Atoi(status)
		if err != nil {
			code = http.StatusInternalServerError // a malformed answer in the test
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := gcs.NewClient(context.Background(), option.WithEndpoint(srv.URL+"/storage/v1/"), option.WithoutAuthentication())
	require.NoError(t, err)
	gcs.FastRetries(c)
	return c
}

const unavailable = `503 {"error":{"code":503,"message":"backend error"}}`

// TestIdempotentCallsAreRetried: a delete of one generation, a stat and a
// conditional copy are retried after 429/503, as Cloud Storage's retry
// strategy asks; a delete of the live object (not idempotent) is tried
// once and its failure is Unavailable for the caller to retry.
func TestIdempotentCallsAreRetried(t *testing.T) {
	ctx := context.Background()

	s := &stub{answers: []string{unavailable, `429 {"error":{"code":429,"message":"slow down"}}`, "204 "}}
	require.NoError(t, s.client(t).Delete(ctx, bucket, "a", 7))
	require.Len(t, s.requests, 3)
	require.Contains(t, s.requests[2], "generation=7")

	s = &stub{answers: []string{unavailable, `200 {"generation":"3","size":"5","md5Hash":"XUFAKrxLKna5cZ2REBfFkg=="}`}}
	got, err := s.client(t).Stat(ctx, bucket, "a")
	require.NoError(t, err)
	require.Equal(t, gcs.Copied{Generation: 3, SizeBytes: 5, MD5: "XUFAKrxLKna5cZ2REBfFkg=="}, got)
	require.Len(t, s.requests, 2)

	s = &stub{answers: []string{unavailable, `200 {"done":true,"resource":{"generation":"4","size":"5","md5Hash":"XUFAKrxLKna5cZ2REBfFkg=="}}`}}
	got, err = s.client(t).Copy(ctx, bucket, "a", 3, "b")
	require.NoError(t, err)
	require.Equal(t, int64(4), got.Generation)
	require.Len(t, s.requests, 2)

	s = &stub{answers: []string{unavailable, "204 "}}
	err = s.client(t).Delete(ctx, bucket, "a", 0)
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "%v", err)
	require.Len(t, s.requests, 1, "a delete of the live object is not retried")

	s = &stub{answers: []string{`404 {"error":{"code":404,"message":"No such object"}}`}}
	require.NoError(t, s.client(t).Delete(ctx, bucket, "a", 7))
	require.Len(t, s.requests, 1, "not found is final")
}

// TestRetriesStopWithTheContext: a call that keeps failing returns when
// its context ends, Unavailable.
func TestRetriesStopWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &stub{seen: func(n int) {
		if n == 3 {
			cancel()
		}
	}}
	c := s.client(t)
	_, err := c.Stat(ctx, bucket, "a")
	require.Equal(t, apperr.Unavailable, apperr.CodeOf(err), "%v", err)
}

// TestCopyFollowsTheRewriteToken: a rewrite that is not done in one call
// is called again with its token, keeping its conditions.
func TestCopyFollowsTheRewriteToken(t *testing.T) {
	s := &stub{answers: []string{
		`200 {"done":false,"rewriteToken":"tok1","totalBytesRewritten":"1"}`,
		`200 {"done":false,"rewriteToken":"tok2","totalBytesRewritten":"2"}`,
		`200 {"done":true,"resource":{"generation":"9","size":"3","md5Hash":"rL0Y20zC+Fzt72VPzMSk2A=="}}`,
	}}
	got, err := s.client(t).Copy(context.Background(), bucket, "src", 5, "dst")
	require.NoError(t, err)
	require.Equal(t, gcs.Copied{Generation: 9, SizeBytes: 3, MD5: "rL0Y20zC+Fzt72VPzMSk2A=="}, got)
	require.Len(t, s.requests, 3)
	for i, r := range s.requests {
		require.True(t, strings.HasPrefix(r, "POST /storage/v1/b/"+bucket+"/o/src/rewriteTo/b/"+bucket+"/o/dst?"), r)
		require.Contains(t, r, "ifGenerationMatch=0")
		require.Contains(t, r, "sourceGeneration=5")
		if i > 0 {
			require.Contains(t, r, "rewriteToken=tok"+string(rune('0'+i)))
		}
	}
}
