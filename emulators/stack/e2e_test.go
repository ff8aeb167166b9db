package stack_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/testenv"
)

// frontendOrigin is the browser origin the test stacks allow.
const frontendOrigin = "https://console.example"

// startStack starts a whole stack in process on the shared Firestore
// emulator, with its own project so tests never see each other's data;
// edits change the options.
func startStack(t *testing.T, edits ...func(*stack.Options)) *stack.Stack {
	t.Helper()
	opts := stack.Options{AllowedOrigins: []string{frontendOrigin}}
	for _, edit := range edits {
		edit(&opts)
	}
	return startStackWith(t, opts)
}

// startStackWith is startStack with opts (Firestore, Pub/Sub and the
// project are filled in).
func startStackWith(t *testing.T, opts stack.Options) *stack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return stack.StartTest(ctx, t, "e2e", opts)
}

type client struct {
	t     *testing.T
	token string
	rec   *recorder // when set, every response body but handouts is kept
	// door, when set, is sent in X-Serverless-Authorization for the front
	// door of a private function; token still goes in Authorization.
	door string
}

// dispatcherClient calls dispatch as the reference worker does: the
// dispatcher's token for the front door and, whole, for dispatch itself.
func dispatcherClient(t *testing.T, s *stack.Stack, rec *recorder) client {
	t.Helper()
	tok := mint(t, s, oidc.TokenRequest{Sub: s.Info.Dispatchers[0], Email: s.Info.Dispatchers[0], Aud: s.Info.Functions["dispatch"]})
	return client{t: t, token: tok, rec: rec, door: tok}
}

func (c client) do(method, url string, body any, want int, out any) {
	c.t.Helper()
	c.call(method, url, body, want, out, false)
}

// claimed is the part of POST /claim's answer the tests read.
type claimed struct {
	Job  jobView `json:"job"`
	Lock struct {
		Epoch int64 `json:"epoch"`
	} `json:"lock"`
}

// claim claims a queued job at dispatchURL as the dispatcher worker.
func (c client) claim(dispatchURL, worker string) claimed {
	c.t.Helper()
	var out claimed
	c.do(http.MethodPost, dispatchURL+"/claim", map[string]any{"worker": worker}, http.StatusOK, &out)
	return out
}

// bundleView is the auth bundle's secrets.
type bundleView struct {
	Workspace     signedURL `json:"workspace"`
	Output        signedURL `json:"output"`
	Attestation   signedURL `json:"attestation"`
	JobToken      string    `json:"jobToken"`
	RuntimeToken  string    `json:"runtimeToken"`
	WorkflowToken string    `json:"workflowToken"`
}

// bundle reads the auth bundle of job id at epoch from dispatchURL as the
// lock holder.
func (c client) bundle(dispatchURL, id string, epoch int64) bundleView {
	c.t.Helper()
	var out bundleView
	c.handout(http.MethodGet, fmt.Sprintf("%s/jobs/%s/auth?epoch=%d", dispatchURL, id, epoch), nil, http.StatusOK, &out)
	return out
}

// report reports state for job id at epoch to dispatchURL as the lock
// holder.
func (c client) report(dispatchURL, id string, epoch int64, state string) {
	c.t.Helper()
	c.do(http.MethodPost, fmt.Sprintf("%s/jobs/%s/state", dispatchURL, id), map[string]any{"epoch": epoch, "state": state}, http.StatusOK, nil)
}

// handout is do for the responses that hand a secret out (signed URLs, a
// new token): their bodies are not searched for leaks.
func (c client) handout(method, url string, body any, want int, out any) {
	c.t.Helper()
	c.call(method, url, body, want, out, true)
}

func (c client) call(method, url string, body any, want int, out any, handsOut bool) {
	c.t.Helper()
	res := c.send(method, url, body)
	if c.rec != nil && !handsOut {
		c.rec.body(res.body)
	}
	require.Equal(c.t, want, res.status, "%s %s: %s", method, url, res.body)
	if out != nil {
		require.NoError(c.t, json.Unmarshal(res.body, out))
	}
}

// send sends method url as c, with body as JSON (none when nil), and
// records the answer; the recorder sees its headers, which never carry a
// secret, handout or not.
func (c client) send(method, url string, body any) answer {
	c.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + c.token}}
	if c.door != "" {
		h.Set(identity.ServerlessAuthorization, "Bearer "+c.door)
	}
	var raw []byte
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(c.t, err)
		raw = b
		h.Set("Content-Type", "application/json")
	}
	res := sendRaw(c.t, method, url, h, raw)
	if c.rec != nil {
		c.rec.header(res.header)
	}
	return res
}

type signedURL struct {
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// object is the bucket and object name the URL reads or writes (a path
// style URL: /bucket/name).
func (u signedURL) object(t *testing.T) (bucket, name string) {
	t.Helper()
	parsed, err := url.Parse(u.URL)
	require.NoError(t, err)
	bucket, name, ok := strings.Cut(strings.TrimPrefix(parsed.Path, "/"), "/")
	require.True(t, ok, parsed.Path)
	return bucket, name
}

// header is the request header the URL binds, for sendRaw.
func (u signedURL) header() http.Header {
	h := http.Header{}
	for k, v := range u.Headers {
		h.Set(k, v)
	}
	return h
}

// declare is what a job's workspace or a new object declares of body: its
// size and base64 MD5.
func declare(body []byte) map[string]any {
	sum := md5.Sum(body)
	return map[string]any{"sizeBytes": len(body), "md5": base64.StdEncoding.EncodeToString(sum[:])}
}

// createdJob is the answer of a POST /jobs that creates a job.
type createdJob struct {
	Job    jobView   `json:"job"`
	Upload signedURL `json:"upload"`
}

// submit creates a job running image on workspace at jobsURL, with fields
// added to the body (project, requireAttestation, ...).
func (c client) submit(jobsURL, image string, workspace []byte, fields map[string]any) createdJob {
	c.t.Helper()
	body := map[string]any{"spec": map[string]any{"image": image}, "workspace": declare(workspace)}
	maps.Copy(body, fields)
	var out createdJob
	c.handout(http.MethodPost, jobsURL+"/jobs", body, http.StatusCreated, &out)
	return out
}

// createdObject is the answer of POST /spaces/{space}/objects.
type createdObject struct {
	Object sharedObject `json:"object"`
	Upload signedURL    `json:"upload"`
}

// createObject starts the upload of data as the object name of type
// contentType in space.
func (c client) createObject(objectsURL, space, name, contentType string, data []byte) createdObject {
	c.t.Helper()
	body := declare(data)
	body["name"], body["contentType"] = name, contentType
	var out createdObject
	c.handout(http.MethodPost, objectsURL+"/spaces/"+space+"/objects", body, http.StatusCreated, &out)
	return out
}

// put sends body to a signed upload URL with exactly its headers.
func put(t *testing.T, u signedURL, body []byte) {
	t.Helper()
	require.Equal(t, http.StatusOK, putStatus(t, u, body), "PUT through the gate")
}

// putStatus sends body to a signed upload URL and returns the status.
func putStatus(t *testing.T, u signedURL, body []byte) int {
	t.Helper()
	return sendRaw(t, http.MethodPut, u.URL, u.header(), body).status
}

// get GETs url without credentials and requires it to answer 200.
func get(t *testing.T, url string) []byte {
	t.Helper()
	res := getRaw(t, url)
	require.Equal(t, http.StatusOK, res.status, "GET through the gate: %s", res.body)
	return res.body
}

// answer is a recorded HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// sendRaw sends method url with exactly header and body, and records the
// answer.
func sendRaw(t *testing.T, method, url string, header http.Header, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return answer{res.StatusCode, res.Header, b}
}

// getRaw GETs url without credentials and records the answer.
func getRaw(t *testing.T, url string) answer {
	t.Helper()
	return sendRaw(t, http.MethodGet, url, http.Header{}, nil)
}

type jobView struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

// waitForState waits until the job or object at url is in state want, as
// c reads it.
func waitForState(t *testing.T, c client, url, want string) {
	t.Helper()
	var state string
	testenv.WaitUntil(t, func() bool {
		var j jobView
		c.do(http.MethodGet, url, nil, http.StatusOK, &j)
		state = j.State
		return state == want
	}, func() string { return fmt.Sprintf("%s still %s, want %s", url, state, want) })
}

func mint(t *testing.T, s *stack.Stack, req oidc.TokenRequest) string {
	t.Helper()
	tok, err := s.Issuer.Mint(req)
	require.NoError(t, err)
	return tok
}

// TestJobLifecycleOverHTTP drives the signed-URL flow of docs/design.md end to
// end: bytes go only through the gate, never through a function.
//
// It is also the leak guard of invariant 1 for what exists so far: every log
// line, every response that does not hand a secret out, and every Firestore
// document are searched for every URL signature and the API token.
func TestJobLifecycleOverHTTP(t *testing.T) {
	rec := recordLogs(t)
	s := startStack(t)
	jobsURL := s.Info.Functions["jobs"]
	dispatchURL := s.Info.Functions["dispatch"]
	oidcUser := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "alice", Email: "alice@example.com"}), rec: rec}
	var apiToken struct {
		Token string `json:"token"`
	}
	oidcUser.handout(http.MethodPost, s.Info.Functions["tokens"]+"/tokens", map[string]any{"name": "e2e", "scopes": []string{"jobs:write"}, "expiresInSeconds": 3600}, http.StatusCreated, &apiToken)
	user := client{t: t, token: apiToken.Token, rec: rec}
	dispatcher := dispatcherClient(t, s, rec)
	secrets := map[string]string{"the API token": apiToken.Token}

	workspace := []byte(strings.Repeat("workspace tar bytes ", 100))
	created := user.submit(jobsURL, "example/build", workspace, map[string]any{"requireAttestation": true})
	require.Equal(t, "AWAITING_WORKSPACE", created.Job.State)
	require.Equal(t, http.MethodPut, created.Upload.Method)
	require.True(t, strings.HasPrefix(created.Upload.URL, s.Info.Storage), "uploads go to storage, not a function")
	secrets["the workspace upload signature"] = signatureOf(t, created.Upload.URL)

	put(t, created.Upload, workspace)
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	waitForState(t, user, jobURL, "QUEUED")
	require.Equal(t, "0", created.Upload.Headers["x-goog-if-generation-match"])
	// Replaying the URL with the same bytes would make a new generation,
	// which finalize would delete as a late upload: the precondition keeps
	// the queued workspace in place.
	require.Equal(t, http.StatusPreconditionFailed, putStatus(t, created.Upload, workspace),
		"the workspace URL cannot overwrite a queued job's workspace")

	claim := dispatcher.claim(dispatchURL, "e2e")
	require.Equal(t, created.Job.ID, claim.Job.ID)
	require.EqualValues(t, 1, claim.Lock.Epoch)

	bundle := dispatcher.bundle(dispatchURL, claim.Job.ID, claim.Lock.Epoch)
	require.Equal(t, workspace, get(t, bundle.Workspace.URL), "the worker reads the workspace that was uploaded")
	secrets["the workspace download signature"] = signatureOf(t, bundle.Workspace.URL)
	secrets["the output upload signature"] = signatureOf(t, bundle.Output.URL)
	secrets["the attestation upload signature"] = signatureOf(t, bundle.Attestation.URL)
	dispatcher.report(dispatchURL, claim.Job.ID, claim.Lock.Epoch, "RUNNING")

	output := []byte("output tar bytes")
	attestation := []byte(`{"report":"tee"}`)
	put(t, bundle.Output, output)
	put(t, bundle.Attestation, attestation)
	waitForState(t, user, jobURL, "SUCCEEDED")

	// The artifact URLs can create their object, never replace it: a
	// replay cannot destroy the recorded output.
	require.Equal(t, http.StatusPreconditionFailed, putStatus(t, bundle.Output, []byte("a replay")))
	require.Equal(t, http.StatusPreconditionFailed, putStatus(t, bundle.Attestation, []byte(`{"replay":true}`)))

	for path, want := range map[string][]byte{"/output": output, "/attestation": attestation} {
		var dl signedURL
		user.handout(http.MethodGet, jobURL+path, nil, http.StatusOK, &dl)
		require.Equal(t, want, get(t, dl.URL), path)
		secrets["the "+path+" download signature"] = signatureOf(t, dl.URL)
	}

	// Another user learns nothing of the job.
	bob := client{t: t, token: mint(t, s, oidc.TokenRequest{Sub: "bob"}), rec: rec}
	bob.do(http.MethodGet, jobURL, nil, http.StatusNotFound, nil)
	bob.do(http.MethodGet, jobURL+"/output", nil, http.StatusNotFound, nil)

	// Read everything a user can read, then search it all.
	user.do(http.MethodGet, jobURL, nil, http.StatusOK, nil)
	user.do(http.MethodGet, jobsURL+"/jobs", nil, http.StatusOK, nil)
	user.do(http.MethodGet, jobURL+"/events", nil, http.StatusOK, nil)
	oidcUser.do(http.MethodGet, s.Info.Functions["tokens"]+"/tokens", nil, http.StatusOK, nil)
	require.Len(t, secrets, 7, "one token and six signed URLs")
	requireNoLeak(t, rec, s.Info.Project, secrets)
}
