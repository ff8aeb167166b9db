package stack_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/shared/audit"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/logging"
)

// leakFlows drives one stack through every flow a secret could leak from,
// collecting each secret it meets as a canary.
type leakFlows struct {
	t                                *testing.T
	rec                              *recorder
	secrets                          map[string]string
	jobsURL, dispatchURL, objectsURL string
	user, dispatcher                 client
	runtimeToken                     string
	seq                              int
}

// canary records a secret the leak guard must not find.
func (l *leakFlows) canary(name, value string) {
	l.t.Helper()
	require.NotEmpty(l.t, value, name)
	l.secrets[name] = value
}

// submit creates a job (in project when not empty) with the flows' runtime
// token and uploads its workspace; it returns the job's id.
func (l *leakFlows) submit(project string, workspace []byte, reuse bool) string {
	l.t.Helper()
	fields := map[string]any{"runtimeToken": l.runtimeToken}
	if project != "" {
		fields["project"] = project
	}
	created := l.user.submit(l.jobsURL, "example/leak", workspace, fields)
	l.seq++
	l.canary(fmt.Sprintf("workspace upload signature %d", l.seq), signatureOf(l.t, created.Upload.URL))
	put(l.t, created.Upload, workspace)
	waitForState(l.t, l.user, l.jobsURL+"/jobs/"+created.Job.ID, "QUEUED")
	return created.Job.ID
}

// claim claims id as the dispatcher, reads its bundle (every secret in it a
// canary) and returns the epoch and the bundle.
func (l *leakFlows) claim(id string) (int64, bundleView) {
	l.t.Helper()
	claim := l.dispatcher.claim(l.dispatchURL, "leak")
	require.Equal(l.t, id, claim.Job.ID)
	b := l.dispatcher.bundle(l.dispatchURL, id, claim.Lock.Epoch)
	tag := fmt.Sprintf("%s epoch %d", id, claim.Lock.Epoch)
	l.canary("job token of "+tag, b.JobToken)
	l.canary("workflow token of "+tag, b.WorkflowToken)
	for name, u := range map[string]string{"workspace download": b.Workspace.URL, "output upload": b.Output.URL, "attestation upload": b.Attestation.URL} {
		l.canary(name+" signature of "+tag, signatureOf(l.t, u))
	}
	require.Equal(l.t, l.runtimeToken, b.RuntimeToken)
	return claim.Lock.Epoch, b
}

// report sends a state report for id's epoch whose message carries every
// secret the dispatcher holds, as a careless dispatcher echoing its
// environment would.
func (l *leakFlows) report(id string, epoch int64, state string, b bundleView) {
	l.t.Helper()
	message := fmt.Sprintf("env: JOB=%s WORKFLOW=%s RUNTIME=%s", b.JobToken, b.WorkflowToken, b.RuntimeToken)
	l.dispatcher.do(http.MethodPost, fmt.Sprintf("%s/jobs/%s/state", l.dispatchURL, id),
		map[string]any{"epoch": epoch, "state": state, "message": message}, http.StatusOK, nil)
}

// TestLeakGuardEveryFlow is the leak guard over every flow beyond the
// happy path (issue 10, item 7): a cancelled job, a failed one whose
// dispatcher echoes its secrets in the failure message, a requeued one
// (two epochs), a reused one, a project's job, and the objects flow
// (upload, download, copy, revoke, delete). Every log line, every response
// body but the handouts, every response's headers (handouts included), the
// process's raw stdout and stderr, every storage event and every Firestore
// document are searched for every form of every secret met on the way.
func TestLeakGuardEveryFlow(t *testing.T) {
	rec := recordLogs(t)
	stop := captureOutput(t, rec)
	s := startStack(t)
	tap := tapEvents(t, s)
	tokensURL := s.Info.Functions["tokens"]
	oidcUser := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"}), rec: rec}
	newToken := func(scopes ...string) string { return canaryToken(oidcUser, tokensURL, scopes...) }
	l := &leakFlows{t: t, rec: rec, secrets: map[string]string{},
		jobsURL: s.Info.Functions["jobs"], dispatchURL: s.Info.Functions["dispatch"], objectsURL: s.Info.Functions["objects"]}
	apiToken := newToken("all")
	l.runtimeToken = newToken("jobs:write", "objects:read")
	l.canary("the API token", apiToken)
	l.canary("the runtime token", l.runtimeToken)
	for name, key := range signingKeys(t, s) {
		l.canary(name, key)
	}
	l.user = client{t: t, token: apiToken, rec: rec}
	l.dispatcher = dispatcherClient(t, s, rec)
	jobURL := func(id string) string { return l.jobsURL + "/jobs/" + id }

	// Cancel: a queued job with a runtime token.
	cancelled := l.submit("", []byte("cancelled workspace"), false)
	l.user.do(http.MethodPost, jobURL(cancelled)+"/cancel", nil, http.StatusOK, nil)

	// Failure: the dispatcher's failure message echoes every secret.
	failed := l.submit("", []byte("failed workspace"), false)
	epoch, b := l.claim(failed)
	l.report(failed, epoch, "RUNNING", b)
	l.report(failed, epoch, "FAILED", b)
	waitForState(t, l.user, jobURL(failed), "FAILED")

	// Requeue: handed back, claimed again; the first epoch's token dies.
	workspace := []byte("requeued workspace")
	requeued := l.submit("", workspace, false)
	epoch, first := l.claim(requeued)
	l.report(requeued, epoch, "QUEUED", first)
	waitForState(t, l.user, jobURL(requeued), "QUEUED")
	epoch, second := l.claim(requeued)
	client{t: t, token: first.JobToken, rec: rec}.do(http.MethodGet, jobURL(requeued), nil, http.StatusUnauthorized, nil)
	client{t: t, token: second.JobToken, rec: rec}.do(http.MethodGet, jobURL(requeued), nil, http.StatusOK, nil)
	l.report(requeued, epoch, "RUNNING", second)
	put(t, second.Output, []byte("requeued output"))
	waitForState(t, l.user, jobURL(requeued), "SUCCEEDED")
	var dl signedURL
	l.user.handout(http.MethodGet, jobURL(requeued)+"/output", nil, http.StatusOK, &dl)
	l.canary("the output download signature", signatureOf(t, dl.URL))

	// Reuse: the same spec, workspace and runtime user answer the
	// finished job.
	var reused struct {
		Job jobView `json:"job"`
	}
	l.user.do(http.MethodPost, l.jobsURL+"/jobs", map[string]any{
		"spec": map[string]any{"image": "example/leak"}, "reuse": true, "runtimeToken": l.runtimeToken, "workspace": declare(workspace),
	}, http.StatusOK, &reused)
	require.Equal(t, requeued, reused.Job.ID)

	// A project's job.
	var p struct {
		ID string `json:"id"`
	}
	l.user.do(http.MethodPost, l.objectsURL+"/projects", map[string]any{"displayName": "leak"}, http.StatusCreated, &p)
	projectJob := l.submit(p.ID, []byte("project workspace"), false)
	l.user.do(http.MethodPost, jobURL(projectJob)+"/cancel", nil, http.StatusOK, nil)
	l.user.do(http.MethodGet, l.jobsURL+"/jobs?project="+p.ID, nil, http.StatusOK, nil)

	// Objects: upload, download, copy into the project, revoke, delete.
	var spaces struct {
		Spaces []struct{ ID string } `json:"spaces"`
	}
	l.user.do(http.MethodGet, l.objectsURL+"/spaces", nil, http.StatusOK, &spaces)
	home := spaces.Spaces[0].ID
	content := []byte(strings.Repeat("object bytes ", 20))
	var obj struct {
		Object sharedObject `json:"object"`
		Upload signedURL    `json:"upload"`
	}
	l.user.handout(http.MethodPost, l.objectsURL+"/spaces/"+home+"/objects",
		map[string]any{"name": "leak/o.txt", "contentType": "text/plain", "sizeBytes": len(content)}, http.StatusCreated, &obj)
	l.canary("the object upload signature", signatureOf(t, obj.Upload.URL))
	put(t, obj.Upload, content)
	objectURL := l.objectsURL + "/objects/" + obj.Object.ID
	waitForState(t, l.user, objectURL, "READY")
	l.user.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &dl)
	l.canary("the object download signature", signatureOf(t, dl.URL))
	l.user.do(http.MethodPost, objectURL+"/copy", map[string]any{"space": "projects/" + p.ID}, http.StatusCreated, nil)
	l.user.do(http.MethodPost, objectURL+"/revoke", nil, http.StatusOK, nil)
	l.user.handout(http.MethodGet, objectURL+"/download", nil, http.StatusOK, &dl)
	l.canary("the object download signature after the revoke", signatureOf(t, dl.URL))
	l.user.do(http.MethodDelete, objectURL, nil, http.StatusNoContent, nil)

	// Every reader of what the flows left behind.
	for _, id := range []string{cancelled, failed, requeued, projectJob} {
		l.user.do(http.MethodGet, jobURL(id), nil, http.StatusOK, nil)
		l.user.do(http.MethodGet, jobURL(id)+"/events", nil, http.StatusOK, nil)
	}
	l.user.do(http.MethodGet, l.jobsURL+"/jobs", nil, http.StatusOK, nil)
	l.user.do(http.MethodGet, l.objectsURL+"/spaces/"+home+"/objects", nil, http.StatusOK, nil)
	l.user.do(http.MethodGet, l.objectsURL+"/spaces/projects/"+p.ID+"/objects", nil, http.StatusOK, nil)
	oidcUser.do(http.MethodGet, tokensURL+"/tokens", nil, http.StatusOK, nil)

	// The audit trails of both spaces, through the API (recorded bodies,
	// searched like every other): they record the capabilities handed out
	// above, never one of them.
	audited := map[string]bool{}
	for _, space := range []string{home, "projects/" + p.ID} {
		for _, e := range readAuditTrail(t, l.user, l.objectsURL, space) {
			audited[e.Action+" "+e.TokenKind] = true
		}
	}
	for _, want := range []string{"url.signed ", "token.minted api", "token.minted workflow", "bundle.handed_out job",
		"job.cancelled ", "project.created ", "object.revoked ", "object.deleted "} {
		require.True(t, audited[want], "the audit trail records %q: %v", want, audited)
	}

	rec.events = tap.drain(t)
	require.NotEmpty(t, rec.events)
	stop()
	// 2 API tokens, 2 signing keys, 4 workspace uploads, 3 bundles of 5
	// (job and workflow tokens, 3 URLs), 1 output and 3 object URLs.
	require.Len(t, l.secrets, 27, "the flows met the secrets they are meant to")
	requireAuditSearched(t, rec, s.Info.Project)
	requireNoLeak(t, rec, s.Info.Project, l.secrets)
}

// auditEntry is the part of an audit entry the leak guard checks.
type auditEntry struct {
	Action    string `json:"action"`
	TokenKind string `json:"tokenKind"`
}

// readAuditTrail reads every page of space's audit trail as c.
func readAuditTrail(t *testing.T, c client, objectsURL, space string) []auditEntry {
	t.Helper()
	var all []auditEntry
	token := ""
	for range 100 {
		var page struct {
			Entries       []auditEntry `json:"entries"`
			NextPageToken string       `json:"nextPageToken"`
		}
		c.do(http.MethodGet, objectsURL+"/spaces/"+space+"/audit?pageSize=10&pageToken="+token, nil, http.StatusOK, &page)
		all = append(all, page.Entries...)
		if page.NextPageToken == "" {
			return all
		}
		token = page.NextPageToken
	}
	t.Fatal("the audit trail never ended")
	return nil
}

// requireAuditSearched fails unless the places the leak guard searches
// hold audit entries: labelled audit lines in the process's output (the
// audit log) and copies in Firestore (spaces/*/audit/*); the API's answers
// are among the recorded bodies.
func requireAuditSearched(t *testing.T, rec *recorder, project string) {
	t.Helper()
	copies := 0
	for _, doc := range firestoreDump(t, project) {
		if strings.Contains(doc, "/"+valetfs.AuditCollection+"/") {
			copies++
		}
	}
	require.NotZero(t, copies, "the audit copies are in the Firestore dump")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	label := fmt.Sprintf(`"%s":{"%s":"%s"}`, logging.LabelsKey, audit.LabelKey, audit.LabelValue)
	require.Contains(t, rec.raw.String(), label, "the audit log lines are in the captured output")
}
