package jobs

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/logging"
	"valet.dev/valet/shared/project"
)

// apiToken creates a valet API token of u with scopes.
func (e *env) apiToken(u user, scopes ...string) string {
	e.t.Helper()
	c, err := e.authn.APITokens.(*apitoken.Tokens).Create(context.Background(), apitoken.Spec{
		Owner: ids.UserID(u.ID), Name: "runtime", Scopes: scopes, Lifetime: time.Hour,
	})
	require.NoError(e.t, err)
	return c.Token
}

func withRuntime(token string) map[string]any {
	body := validBody()
	body["runtimeToken"] = token
	return body
}

// TestRuntimeTokenIsCheckedKeptAndScrubbed: a valid token of a user who may
// run the job names the runtime user and sorted scopes; it lives only in
// Secret Manager, never in an answer, and is destroyed when the job ends.
func TestRuntimeTokenIsCheckedKeptAndScrubbed(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	token := e.apiToken(alice, "objects:read", "jobs:write")

	r := e.Do(alice, "POST", "/jobs", withRuntime(token))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.NotContains(t, string(r.Body), token)
	var created createAnswer
	r.Decode(t, http.StatusCreated, &created)
	require.Equal(t, alice.ID, created.Job.RuntimeUser)
	require.Equal(t, []string{"jobs:write", "objects:read"}, created.Job.RuntimeScopes, "sorted")

	for _, path := range []string{"/jobs/" + created.Job.ID, "/jobs/" + created.Job.ID + "/events", "/jobs"} {
		r := e.Do(alice, "GET", path, nil)
		require.Equal(t, http.StatusOK, r.Status)
		require.NotContains(t, string(r.Body), token)
	}
	stored, err := e.store.Get(context.Background(), ids.JobID(created.Job.ID))
	require.NoError(t, err)
	require.True(t, stored.SecretsHeld)
	require.True(t, stored.HasRuntimeToken)
	require.Equal(t, job.SecretsPerJob, stored.SecretLayout)
	kept, err := e.secrets.Store.Get(context.Background(), stored, custody.RuntimeToken)
	require.NoError(t, err)
	require.Equal(t, token, kept)

	e.Do(alice, "POST", "/jobs/"+created.Job.ID+"/cancel", nil).Decode(t, http.StatusOK, &job.Job{})
	require.Empty(t, e.secrets.Held(t, created.Job.ID), "Secret Manager holds nothing of a cancelled job")
}

func TestRuntimeTokenRefusals(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	revoked := e.apiToken(alice, "all")
	info, err := e.authn.APITokens.(*apitoken.Tokens).List(context.Background(), ids.UserID(alice.ID))
	require.NoError(t, err)
	require.NoError(t, e.authn.APITokens.(*apitoken.Tokens).Revoke(context.Background(), ids.UserID(alice.ID), info[0].ID))

	for name, tc := range map[string]struct {
		token string
		want  string
	}{
		"another user's ID token":          {bob.Token, "may not run jobs in users/"},
		"another user's API token":         {e.apiToken(bob, "all"), "may not run jobs in users/"},
		"a token without jobs:write":       {e.apiToken(alice, "objects:read"), "may not run jobs"},
		"a revoked token":                  {revoked, "not a valid credential"},
		"an ID token for another audience": {foreignToken(t, e), "not a valid credential"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.Do(alice, "POST", "/jobs", withRuntime(tc.token))
			r.RequireError(t, http.StatusBadRequest, "", tc.want)
			require.NotContains(t, string(r.Body), tc.token)
		})
	}
	var list listResponse
	e.Do(alice, "GET", "/jobs", nil).Decode(t, http.StatusOK, &list)
	require.Empty(t, list.Jobs, "no refused submission left a job")
}

// TestReuseReturnsTheFinishedJob: same spec, workspace, runtime user and
// scopes give the SUCCEEDED job (200); anything else a new one (201).
func TestReuseReturnsTheFinishedJob(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	body := func() map[string]any {
		b := validBody()
		b["workspace"] = map[string]any{"sizeBytes": 1024, "md5": "1B2M2Y8AsgTpgAmY7PhCfg=="}
		b["reuse"] = true
		return b
	}
	first := e.createJob(alice, body())
	e.move(first.Job.ID, queue)
	e.move(first.Job.ID, claim)
	e.move(first.Job.ID, arrive(job.OutputKind))

	var again createAnswer
	e.Do(alice, "POST", "/jobs", body()).Decode(t, http.StatusOK, &again)
	require.Equal(t, first.Job.ID, again.Job.ID)
	require.Empty(t, again.Upload.URL, "a reused job needs no upload")

	// Another runtime scope set, another user, another spec: new jobs.
	narrowed := body()
	narrowed["runtimeToken"] = e.apiToken(alice, "jobs:write")
	require.NotEqual(t, first.Job.ID, e.createJob(alice, narrowed).Job.ID)
	require.NotEqual(t, first.Job.ID, e.createJob(bob, body()).Job.ID, "bob may not read alice's job")
	other := body()
	other["spec"] = map[string]any{"image": "other"}
	require.NotEqual(t, first.Job.ID, e.createJob(alice, other).Job.ID)
	attested := body()
	attested["requireAttestation"] = true
	require.NotEqual(t, first.Job.ID, e.createJob(alice, attested).Job.ID, "the finished job has no attestation")
}

// TestProjectJobs: editors submit and cancel, viewers read, non-members
// see nothing, and a member who leaves loses access.
func TestProjectJobs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	owner, editor, viewer, stranger := e.newUser("owner"), e.newUser("editor"), e.newUser("viewer"), e.newUser("stranger")
	pid := "proj-" + owner.ID[:8]
	require.NoError(t, e.projects.Create(ctx, &project.Project{ID: ids.ProjectID(pid), DisplayName: "P"}, ids.UserID(owner.ID), time.Now()))
	for u, role := range map[user]project.Role{editor: project.Editor, viewer: project.Viewer} {
		_, err := e.projects.SetMember(ctx, ids.ProjectID(pid), ids.UserID(u.ID), role, ids.UserID(owner.ID), time.Now())
		require.NoError(t, err)
	}
	body := validBody()
	body["project"] = pid

	created := e.createJob(editor, body)
	id := created.Job.ID
	require.Equal(t, pid, created.Job.Project)
	e.Do(viewer, "POST", "/jobs", body).RequireError(t, http.StatusForbidden, "", "viewers")
	e.Do(stranger, "POST", "/jobs", body).RequireError(t, http.StatusNotFound, "", "project")

	for _, u := range []user{owner, editor, viewer} {
		e.Do(u, "GET", "/jobs/"+id, nil).Decode(t, http.StatusOK, &job.Job{})
		var list listResponse
		e.Do(u, "GET", "/jobs?project="+pid, nil).Decode(t, http.StatusOK, &list)
		require.Len(t, list.Jobs, 1)
		e.Do(u, "GET", "/jobs", nil).Decode(t, http.StatusOK, &list)
		require.Len(t, list.Jobs, 1, "project jobs are listed with one's own")
	}
	e.Do(stranger, "GET", "/jobs/"+id, nil).RequireError(t, http.StatusNotFound, "", "not found")
	e.Do(stranger, "GET", "/jobs?project="+pid, nil).RequireError(t, http.StatusNotFound, "", "project")
	e.Do(viewer, "POST", "/jobs/"+id+"/cancel", nil).RequireError(t, http.StatusForbidden, "", "viewers")

	require.NoError(t, e.projects.RemoveMember(ctx, ids.ProjectID(pid), ids.UserID(editor.ID), ids.UserID(owner.ID)))
	e.Do(editor, "GET", "/jobs/"+id, nil).RequireError(t, http.StatusNotFound, "", "not found")
	var list listResponse
	e.Do(editor, "GET", "/jobs", nil).Decode(t, http.StatusOK, &list)
	require.Empty(t, list.Jobs, "the submitter who left no longer sees the project's job")

	e.Do(owner, "POST", "/jobs/"+id+"/cancel", nil).Decode(t, http.StatusOK, &job.Job{})
}

func foreignToken(t *testing.T, e *env) string {
	token, err := e.issuer.Mint(oidc.TokenRequest{Sub: "alice-elsewhere", Aud: "another-service"})
	require.NoError(t, err)
	return token
}

// TestUnverifiedRuntimeTokenIsNeverRegistered: a runtimeToken that does not
// verify is refused and never reaches the log masker, so a caller cannot
// hide chosen words from the logs or grow the process's registry with it
// (issue 10, item 5); a verified one is registered only in the request's
// scope, not in the process's registry.
func TestUnverifiedRuntimeTokenIsNeverRegistered(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	before := logging.DefaultMasker.Len()
	for _, words := range []string{"hide-the-word-BREACH-from-the-logs", "xxxxxxxxxxxxxxxxxxxxxxxx", "admin@example.com-exfiltration"} {
		r := e.Do(alice, "POST", "/jobs", withRuntime(words))
		require.Equal(t, 4, r.Status/100, "refused: %s", r.Body)
		require.Equal(t, "log "+words, logging.DefaultMasker.Mask("log "+words), "an unverified runtime token was registered")
	}
	token := e.apiToken(alice, "jobs:write")
	after := logging.DefaultMasker.Len()
	r := e.Do(alice, "POST", "/jobs", withRuntime(token))
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	require.Equal(t, after, logging.DefaultMasker.Len(), "a verified runtime token goes to the request's scope, not the process's registry")
	require.Equal(t, before+1, after, "only the test's own token, created outside any request")
}
