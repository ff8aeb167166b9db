package cli

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/client/clienttest"
)

// fakeJobs is a jobs function, set in VALET_JOBS_URL with VALET_TOKEN=tok,
// whose job j_1 is in state (with message), whose cancel answers 409 as
// for a final job, and whose output and attestation answer 409 as when
// absent. A request without the token gets 401.
func fakeJobs(t *testing.T, state, message string, requireAttestation bool) string {
	t.Helper()
	mux := http.NewServeMux()
	conflict := func(w http.ResponseWriter, r *http.Request) {
		clienttest.Answer(w, http.StatusConflict, `{"error":{"code":"conflict","message":"not present"}}`)
	}
	mux.HandleFunc("GET /jobs/j_1", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"id": "j_1", "state": state, "message": message, "requireAttestation": requireAttestation})
	})
	mux.HandleFunc("POST /jobs/j_1/cancel", conflict)
	mux.HandleFunc("GET /jobs/j_1/output", conflict)
	mux.HandleFunc("GET /jobs/j_1/attestation", conflict)
	srv := clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			clienttest.Answer(w, http.StatusUnauthorized, `{"error":{"code":"unauthenticated","message":"no token"}}`)
			return
		}
		mux.ServeHTTP(w, r)
	})
	t.Setenv("VALET_JOBS_URL", srv)
	t.Setenv("VALET_TOKEN", "tok")
	return srv
}

// TestHintCancelOfAFinalJob: the API's 409 on cancel becomes "already
// final", with the job's state.
func TestHintCancelOfAFinalJob(t *testing.T) {
	isolate(t)
	fakeJobs(t, "SUCCEEDED", "", false)
	code, _, stderr := run(t, "jobs", "cancel", "j_1")
	require.Equal(t, ExitError, code)
	require.Equal(t, "valet jobs cancel: job j_1 is already final (SUCCEEDED): there is nothing to cancel\n", stderr)
}

// TestHintNoOutputForAFailedOrCancelledJob: downloading the output of a job
// that ended without success says there will be none; of a running job,
// to wait; the attestation of a job submitted without --attest, that it
// has none.
func TestHintNoOutputForAFailedOrCancelledJob(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		state, message string
		attest         bool
		cmd            string
		want, next     string
	}{
		{"FAILED", "exit status 2", false, "output", "job j_1 ended FAILED: exit status 2: there is no output and there will be none", "`valet jobs events j_1`"},
		{"CANCELLED", "", false, "output", "job j_1 ended CANCELLED: there is no output and there will be none", "submit it again"},
		{"EXPIRED", "", true, "attestation", "job j_1 ended EXPIRED: there is no attestation and there will be none", ""},
		{"RUNNING", "", false, "output", "job j_1 is RUNNING: its output is not there yet", "`valet jobs wait j_1`"},
		{"SUCCEEDED", "", false, "attestation", "job j_1 was submitted without --attest: it has no attestation", "--attest"},
	} {
		fakeJobs(t, tc.state, tc.message, tc.attest)
		code, stdout, stderr := run(t, "jobs", tc.cmd, "j_1", "-o", t.TempDir()+"/out")
		require.Equal(t, ExitError, code, tc.state)
		require.Empty(t, stdout)
		require.Contains(t, stderr, "valet jobs "+tc.cmd+": "+tc.want+"\n", tc.state)
		require.Contains(t, stderr, "  next: ", tc.state)
		require.Contains(t, stderr, tc.next, tc.state)
	}
	// The shortcut says the same.
	fakeJobs(t, "CANCELLED", "", false)
	_, _, stderr := run(t, "download", "j_1", "-o", t.TempDir()+"/out")
	require.Contains(t, stderr, "there will be none")
}

// objectsFunction is a stand-in for valet's objects function: /healthz
// names it, and every route of another function is "no such route".
func objectsFunction(t *testing.T) string {
	t.Helper()
	return clienttest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			clienttest.Answer(w, http.StatusOK, `{"status":"ok","function":"objects","version":"dev"}`)
			return
		}
		clienttest.Answer(w, http.StatusNotFound, `{"error":{"code":"not_found","message":"no such route: `+r.Method+" "+r.URL.Path+`"}}`)
	})
}

// TestHintWrongFunctionURL: a jobs URL that points at the objects function
// (or at no valet function) is named as such, with where it was set.
func TestHintWrongFunctionURL(t *testing.T) {
	isolate(t)
	t.Setenv("VALET_TOKEN", "tok")
	objects := objectsFunction(t)
	code, _, stderr := run(t, "config", "set", "jobs-url", objects, "--profile", "prod")
	require.Equal(t, ExitOK, code, stderr)

	code, _, stderr = run(t, "jobs", "get", "j_1")
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "valet jobs get: "+objects+" is valet's objects function, not the jobs function: not_found (404): no such route: GET /jobs/j_1\n")
	require.Contains(t, stderr, `  next: the jobs URL comes from jobs-url (profile "prod"): point it at the jobs function (`+"`valet config set jobs-url URL --profile prod`)\n")

	code, _, stderr = run(t, "jobs", "list", "--jobs-url", objects)
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, "the jobs URL comes from jobs-url (flag)")

	plain := clienttest.Server(t, http.NotFound)
	t.Setenv("VALET_URL", plain)
	code, _, stderr = run(t, "tokens", "ls")
	require.Equal(t, ExitError, code)
	require.Contains(t, stderr, plain+"/tokens does not answer like valet's tokens function")
	require.Contains(t, stderr, "the tokens URL comes from url (environment)")
}
