package contract

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// job is a job as the jobs function answers it.
const job = `{"id":"j_aaaaaaaaaaaaaaaaaaaaaaaaaa","owner":"u1","spec":{},"specHash":"h","state":"QUEUED",` +
	`"attempt":1,"maxAttempts":3,"timeoutSeconds":60,"requireAttestation":false,"runtimeUser":"u1","runtimeScopes":["all"],` +
	`"workspace":{"sizeBytes":1,"present":true},"output":{"sizeBytes":0,"present":false},"attestation":{"sizeBytes":0,"present":false},` +
	`"lock":{"epoch":0},"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z",` +
	`"uploadDeadline":"2026-01-01T01:00:00Z","deadline":"2026-01-02T00:00:00Z"}`

// answer is a handler answering status with body (JSON).
func answer(status int, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
}

const notFound = `{"error":{"code":"not_found","message":"no such route"}}`

// TestCheck: matching exchanges pass; each kind of mismatch is a
// violation naming the function, the request and the status.
func TestCheck(t *testing.T) {
	for name, tc := range map[string]struct {
		fn, method, path, body string
		handler                http.Handler
		violation              string // "" when the exchange matches
	}{
		"a job":                         {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "", answer(200, job), ""},
		"an error body":                 {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "", answer(404, notFound), ""},
		"a field of the wrong type":     {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "", answer(200, strings.Replace(job, `"attempt":1`, `"attempt":"1"`, 1)), "does not match the document"},
		"an undocumented field":         {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "", answer(200, strings.Replace(job, `"attempt":1`, `"attempt":1,"leaseHolder":"w"`, 1)), "does not match the document"},
		"a missing field":               {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "", answer(200, strings.Replace(job, `"attempt":1,`, ``, 1)), "does not match the document"},
		"an undocumented status":        {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "", answer(202, job), "does not match the document"},
		"an error not in valet's shape": {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "", answer(500, `{"message":"boom"}`), "does not match the document"},
		"an undocumented route":         {"jobs", "GET", "/jobs/j_aaaaaaaaaaaaaaaaaaaaaaaaaa/logs", "", answer(200, `{}`), "does not describe"},
		"another function's route":      {"jobs", "POST", "/claim", `{"worker":"w"}`, answer(204, ""), "does not describe"},
		"an undocumented route's 404":   {"jobs", "GET", "/nowhere", "", answer(404, notFound), ""},
		"a text 404":                    {"jobs", "GET", "/nowhere", "", http.NotFoundHandler(), "not JSON"},
		"a refused request refused":     {"tokens", "POST", "/tokens", `{"name":5,"scopes":["all"]}`, answer(400, `{"error":{"code":"invalid_argument","message":"name"}}`), ""},
		"a refused request accepted": {"tokens", "POST", "/tokens", `{"name":5,"scopes":["all"]}`,
			answer(201, `{"token":"valet_x","id":"t_1","name":"5","scopes":["all"],"expiresAt":"2026-01-01T00:00:00Z"}`), "accepted a request the document refuses"},
		"sweep's alias": {"sweep", "POST", "/", "", answer(200, `{"expired":0,"requeued":0,"failed":0,"scrubbed":0,"expiredObjects":0,"deletedProjects":0,"migrated":0,"examined":0,"errors":0}`), ""},
		"a preflight":   {"jobs", "OPTIONS", "/jobs", "", answer(204, ""), ""},
	} {
		t.Run(name, func(t *testing.T) {
			c := New(nil, nil)
			h, err := c.Wrap(tc.fn, tc.handler)
			require.NoError(t, err)
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			req.Header.Set("Authorization", "Bearer x")
			h.ServeHTTP(httptest.NewRecorder(), req)
			got := c.Violations()
			if tc.violation == "" {
				require.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			require.Contains(t, got[0], tc.violation)
			require.True(t, strings.HasPrefix(got[0], tc.fn+" "+tc.method+" "+tc.path+" → "), got[0])
		})
	}
}

// TestBodiesPassThrough: the function reads the whole body the client
// sent, past MaxBody too, and the client gets the whole answer.
func TestBodiesPassThrough(t *testing.T) {
	big := strings.Repeat("x", MaxBody+10)
	var read int
	c := New(nil, nil)
	h, err := c.Wrap("tokens", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		read = len(b)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(w, `{"error":{"code":"too_large","message":"`+big+`"}}`)
	}))
	require.NoError(t, err)
	req := httptest.NewRequest("POST", "/tokens", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, len(big), read)
	require.Equal(t, len(big)+len(`{"error":{"code":"too_large","message":""}}`), rec.Body.Len())
	require.Empty(t, c.Violations(), "bodies past MaxBody are not validated")
	require.EqualValues(t, 1, c.Exchanges())
}

// TestUnknownFunction: a function the document does not describe cannot
// be wrapped.
func TestUnknownFunction(t *testing.T) {
	_, err := New(nil, nil).Wrap("nosuch", http.NotFoundHandler())
	require.Error(t, err)
}

// TestOperations: the operations of the wrapped functions, and those
// answered 2xx (sweep's alias counts for POST /sweep).
func TestOperations(t *testing.T) {
	c := New(nil, nil)
	h, err := c.Wrap("sweep", answer(200, `{"expired":0,"requeued":0,"failed":0,"scrubbed":0,"expiredObjects":0,"deletedProjects":0,"migrated":0,"examined":0,"errors":0}`))
	require.NoError(t, err)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil))
	documented, answered := c.Operations()
	require.Equal(t, []string{"sweep GET /healthz", "sweep GET /openapi.json", "sweep POST /sweep"}, documented)
	require.Equal(t, []string{"sweep POST /sweep"}, answered)
}
