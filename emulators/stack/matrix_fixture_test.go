package stack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/testenv"
)

// who is a principal of the authorization matrix.
type who string

// The matrix's principals: alice owns project P (and her personal space),
// bob edits P, carol views P, dave is no member; nobody presents no user.
const (
	alice  who = "alice"
	bob    who = "bob"
	carol  who = "carol"
	dave   who = "dave"
	nobody who = "nobody"
)

var matrixUsers = []who{alice, bob, carol, dave}

// The service accounts: the stack's dispatcher (on dispatch's allow-list),
// its scheduler (on sweep's) and one on neither.
const (
	dispatcherSA who = "dispatcher-sa"
	schedulerSA  who = "scheduler-sa"
	otherSA      who = "other-sa"
)

// cred is the kind of credential a row presents.
type cred string

// The credential kinds. The narrowed API tokens exist for alice and bob;
// ownWrite (objects:write@users/<alice>), tokensManage, jobsWrite and
// objectsWrite for alice only.
const (
	oidcToken    cred = "oidc"    // ID token of the dev issuer
	apiAll       cred = "api:all" // valet API token with every scope
	objectsRead  cred = "api:objects:read"
	jobsRead     cred = "api:jobs:read"
	ownWrite     cred = "api:objects:write@own-space"
	tokensManage cred = "api:tokens:manage"
	jobsWrite    cred = "api:jobs:write"
	objectsWrite cred = "api:objects:write"
	noCred       cred = "none"           // no Authorization header
	garbage      cred = "garbage"        // a Bearer value that is no token at all
	wrongAud     cred = "oidc:wrong-aud" // alice's ID token for another audience
	revoked      cred = "api:revoked"    // alice's API token, revoked
	// A running job's job token acts as its runtime user (alice), narrowed
	// to its runtime scopes; once the job is final it is refused.
	jobToken       cred = "job"                         // a RUNNING job submitted with alice's ID token: scopes ["all"]
	jobTokenNarrow cred = "job:objects:read+jobs:write" // a RUNNING job whose runtime token has those scopes
	jobTokenFinal  cred = "job:final"                   // the token of a job cancelled since
	// A service account's Google-signed ID token for the dispatch or the
	// sweep function's URL (its audience).
	forDispatch cred = "google-id@dispatch"
	forSweep    cred = "google-id@sweep"
)

// resource names what a row acts on.
type resource string

// The matrix's resources. Destructive routes get a fresh one per row.
const (
	noResource    resource = ""
	aliceJob      resource = "alice-job"
	projectJob    resource = "P-job"
	aliceObject   resource = "alice-object"
	projectObject resource = "P-object"
	aliceSpace    resource = "alice-space"
	projectSpace  resource = "P-space"
	projectP      resource = "P"
	aliceToken    resource = "alice-token"
	// runningJob is the RUNNING job of alice's jobToken, leased by the
	// dispatcher: its id and epoch fill dispatch's routes.
	runningJob resource = "running-job"
)

// ref is how a resource appears in paths and bodies.
type ref struct {
	id      string // job, object or token id
	space   string // "users/<uid>" or "projects/<pid>"
	project string
	epoch   int64 // a leased job's lock epoch
}

// matrixFixture is the world the matrix runs in: a stack, its users'
// credentials, and the shared resources.
type matrixFixture struct {
	s     *stack.Stack
	uid   map[who]string
	creds map[who]map[cred]string
	// project is P: alice owner, bob editor, carol viewer.
	project string
	shared  map[resource]ref
	seq     atomic.Int64
}

// response is a status and body.
type response struct {
	status int
	body   []byte
}

// message is the error message of a JSON error body, or the body itself.
func (r response) message() string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(r.body, &e) == nil && e.Error.Message != "" {
		return e.Error.Code + ": " + e.Error.Message
	}
	s := strings.TrimSpace(string(r.body))
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// send makes one request; token "" sends no Authorization header.
func send(t *testing.T, method, url, token string, body any) response {
	t.Helper()
	r := apitest.Do(t, url, token, method, "", body)
	return response{r.Status, r.Body}
}

// must sends as alice's ID token and requires want, decoding into out.
func (f *matrixFixture) must(t *testing.T, method, url string, body any, want int, out any) {
	t.Helper()
	r := send(t, method, url, f.creds[alice][oidcToken], body)
	require.Equal(t, want, r.status, "setup %s %s: %s", method, url, r.body)
	if out != nil {
		require.NoError(t, json.Unmarshal(r.body, out))
	}
}

func (f *matrixFixture) fn(name string) string { return f.s.Info.Functions[name] }

// newMatrixFixture starts a stack and builds the matrix's world.
func newMatrixFixture(t *testing.T) *matrixFixture {
	f := &matrixFixture{s: startStack(t), uid: map[who]string{}, creds: map[who]map[cred]string{}, shared: map[resource]ref{}}
	for _, u := range matrixUsers {
		tok := mint(t, f.s, oidc.TokenRequest{Sub: "matrix-" + string(u), Email: string(u) + "@example.com"})
		f.creds[u] = map[cred]string{oidcToken: tok}
		var spaces struct {
			Spaces []struct {
				ID   string `json:"id"`
				Kind string `json:"kind"`
			} `json:"spaces"`
		}
		r := send(t, http.MethodGet, f.fn("objects")+"/spaces", tok, nil)
		require.Equal(t, http.StatusOK, r.status, "GET /spaces for %s: %s", u, r.body)
		require.NoError(t, json.Unmarshal(r.body, &spaces))
		require.NotEmpty(t, spaces.Spaces)
		uid, ok := strings.CutPrefix(spaces.Spaces[0].ID, "users/")
		require.True(t, ok, "the first space is the personal one: %s", r.body)
		f.uid[u] = uid
	}
	for _, u := range matrixUsers {
		f.creds[u][apiAll], _ = f.token(t, u, "all")
	}
	for _, u := range []who{alice, bob} {
		f.creds[u][objectsRead], _ = f.token(t, u, "objects:read")
		f.creds[u][jobsRead], _ = f.token(t, u, "jobs:read")
	}
	f.creds[alice][ownWrite], _ = f.token(t, alice, "objects:write@users/"+f.uid[alice])
	f.creds[alice][tokensManage], _ = f.token(t, alice, "tokens:manage")
	f.creds[alice][jobsWrite], _ = f.token(t, alice, "jobs:write")
	f.creds[alice][objectsWrite], _ = f.token(t, alice, "objects:write")
	revokedTok, revokedID := f.token(t, alice, "all")
	f.must(t, http.MethodDelete, f.fn("tokens")+"/tokens/"+revokedID, nil, http.StatusNoContent, nil)
	f.creds[alice][revoked] = revokedTok
	f.creds[alice][wrongAud] = mint(t, f.s, oidc.TokenRequest{Sub: "matrix-alice", Aud: "another-audience"})
	f.creds[nobody] = map[cred]string{noCred: "", garbage: "not-a-token.at.all"}
	for sa, email := range map[who]string{dispatcherSA: f.s.Info.Dispatchers[0], schedulerSA: f.s.Info.Scheduler,
		otherSA: "intruder@" + f.s.Info.Project + ".iam.gserviceaccount.com"} {
		f.creds[sa] = map[cred]string{
			forDispatch: mint(t, f.s, oidc.TokenRequest{Sub: email, Email: email, Aud: f.fn("dispatch")}),
			forSweep:    mint(t, f.s, oidc.TokenRequest{Sub: email, Email: email, Aud: f.fn("sweep")}),
		}
	}
	narrowRuntime, _ := f.token(t, alice, "objects:read", "jobs:write")
	var running ref
	f.creds[alice][jobToken], running = f.runningJobToken(t, "")
	f.shared[runningJob] = running
	f.creds[alice][jobTokenNarrow], _ = f.runningJobToken(t, narrowRuntime)
	finalTok, final := f.runningJobToken(t, "")
	finalID := final.id
	f.must(t, http.MethodPost, f.fn("jobs")+"/jobs/"+finalID+"/cancel", nil, http.StatusOK, nil)
	f.creds[alice][jobTokenFinal] = finalTok

	f.project = f.newProject(t)
	f.shared[projectP] = ref{project: f.project, space: "projects/" + f.project}
	f.shared[projectSpace] = f.shared[projectP]
	f.shared[aliceSpace] = ref{space: "users/" + f.uid[alice]}
	for _, res := range []resource{aliceJob, projectJob, aliceObject, projectObject, aliceToken} {
		f.shared[res], _ = f.fresh(t, res)
	}
	f.waitReady(t, aliceObject, projectObject)
	return f
}

// token creates an API token of u with scopes, returning it and its id.
func (f *matrixFixture) token(t *testing.T, u who, scopes ...string) (string, string) {
	t.Helper()
	var out struct {
		Token string `json:"token"`
		ID    string `json:"id"`
	}
	r := send(t, http.MethodPost, f.fn("tokens")+"/tokens", f.creds[u][oidcToken],
		map[string]any{"name": "matrix", "scopes": scopes, "expiresInSeconds": 3600})
	require.Equal(t, http.StatusCreated, r.status, "token %v for %s: %s", scopes, u, r.body)
	require.NoError(t, json.Unmarshal(r.body, &out))
	return out.Token, out.ID
}

// runningJobToken submits a personal job as alice (running as the user of
// runtimeToken when not empty), uploads its workspace, claims it as a
// dispatcher with an hour's lease, reports it RUNNING and returns its job
// token and the job (id, space and lock epoch). Jobs are claimed one at a
// time, so the claim takes this one.
func (f *matrixFixture) runningJobToken(t *testing.T, runtimeToken string) (string, ref) {
	t.Helper()
	body := jobBody("")
	if runtimeToken != "" {
		body["runtimeToken"] = runtimeToken
	}
	var created struct {
		Job struct {
			ID string `json:"id"`
		} `json:"job"`
		Upload signedURL `json:"upload"`
	}
	jobsURL, dispatchURL := f.fn("jobs"), f.s.Info.Functions["dispatch"]
	f.must(t, http.MethodPost, jobsURL+"/jobs", body, http.StatusCreated, &created)
	put(t, created.Upload, make([]byte, 10))
	jobURL := jobsURL + "/jobs/" + created.Job.ID
	waitForState(t, client{t: t, token: f.creds[alice][oidcToken]}, jobURL, "QUEUED")

	dispatcher := dispatcherClient(t, f.s, nil)
	var claim struct {
		Job struct {
			ID string `json:"id"`
		} `json:"job"`
		Lock struct {
			Epoch int64 `json:"epoch"`
		} `json:"lock"`
	}
	dispatcher.do(http.MethodPost, dispatchURL+"/claim", map[string]any{"worker": "matrix", "leaseSeconds": 3600}, http.StatusOK, &claim)
	require.Equal(t, created.Job.ID, claim.Job.ID, "the only queued job is claimed")
	var bundle struct {
		JobToken string `json:"jobToken"`
	}
	dispatcher.do(http.MethodGet, fmt.Sprintf("%s/jobs/%s/auth?epoch=%d", dispatchURL, created.Job.ID, claim.Lock.Epoch), nil, http.StatusOK, &bundle)
	require.NotEmpty(t, bundle.JobToken)
	dispatcher.do(http.MethodPost, fmt.Sprintf("%s/jobs/%s/state", dispatchURL, created.Job.ID),
		map[string]any{"epoch": claim.Lock.Epoch, "state": "RUNNING"}, http.StatusOK, nil)
	return bundle.JobToken, ref{id: created.Job.ID, space: "users/" + f.uid[alice], epoch: claim.Lock.Epoch}
}

// newProject creates a project owned by alice, bob its editor and carol
// its viewer.
func (f *matrixFixture) newProject(t *testing.T) string {
	t.Helper()
	var p struct {
		ID string `json:"id"`
	}
	f.must(t, http.MethodPost, f.fn("objects")+"/projects", map[string]any{"displayName": "matrix"}, http.StatusCreated, &p)
	require.NotEmpty(t, p.ID)
	for u, role := range map[who]string{bob: "editor", carol: "viewer"} {
		f.must(t, http.MethodPut, f.fn("objects")+"/projects/"+p.ID+"/members/"+f.uid[u], map[string]any{"role": role}, http.StatusOK, nil)
	}
	return p.ID
}

// objectBytes is every matrix object's content.
var objectBytes = []byte("hello")

// newObject creates an object in space as alice and uploads its bytes.
func (f *matrixFixture) newObject(t *testing.T, space string) string {
	t.Helper()
	var out struct {
		Object struct {
			ID string `json:"id"`
		} `json:"object"`
		Upload signedURL `json:"upload"`
	}
	f.must(t, http.MethodPost, f.fn("objects")+"/spaces/"+space+"/objects", f.objectBody(), http.StatusCreated, &out)
	// READY once finalize handles objects; rows accept 409 until then.
	require.Equal(t, http.StatusOK, putStatus(t, out.Upload, objectBytes), "upload of %s through the gate", out.Object.ID)
	return out.Object.ID
}

func (f *matrixFixture) objectBody() map[string]any {
	return map[string]any{"name": fmt.Sprintf("matrix/%d.txt", f.seq.Add(1)), "contentType": "text/plain", "sizeBytes": len(objectBytes)}
}

// jobBody is the body of POST /jobs, in project when it is not empty.
func jobBody(project string) map[string]any {
	b := map[string]any{"spec": map[string]any{"image": "example/matrix"}, "workspace": map[string]any{"sizeBytes": 10}}
	if project != "" {
		b["project"] = project
	}
	return b
}

// newJob submits a job as alice, in project when not empty.
func (f *matrixFixture) newJob(t *testing.T, project string) (string, response) {
	t.Helper()
	r := send(t, http.MethodPost, f.fn("jobs")+"/jobs", f.creds[alice][oidcToken], jobBody(project))
	if r.status != http.StatusCreated {
		return "", r
	}
	var out struct {
		Job struct {
			ID string `json:"id"`
		} `json:"job"`
	}
	require.NoError(t, json.Unmarshal(r.body, &out))
	return out.Job.ID, r
}

// fresh makes a new resource of kind res, failing the test when the stack
// cannot.
func (f *matrixFixture) fresh(t *testing.T, res resource) (ref, bool) {
	t.Helper()
	switch res {
	case aliceJob:
		id, r := f.newJob(t, "")
		require.NotEmpty(t, id, "alice's job: %s", r.body)
		return ref{id: id, space: "users/" + f.uid[alice]}, true
	case projectJob:
		id, r := f.newJob(t, f.project)
		require.NotEmpty(t, id, "P's job: %d %s", r.status, r.message())
		return ref{id: id, space: "projects/" + f.project, project: f.project}, true
	case aliceObject:
		space := "users/" + f.uid[alice]
		return ref{id: f.newObject(t, space), space: space}, true
	case projectObject:
		space := "projects/" + f.project
		return ref{id: f.newObject(t, space), space: space, project: f.project}, true
	case projectP, projectSpace:
		p := f.newProject(t)
		return ref{project: p, space: "projects/" + p}, true
	case aliceToken:
		_, id := f.token(t, alice, "objects:read")
		return ref{id: id}, true
	}
	return f.shared[res], true
}

// waitReady waits for the shared objects to be READY (finalize has seen
// their uploads); the fixture fails if they never are.
func (f *matrixFixture) waitReady(t *testing.T, objects ...resource) {
	t.Helper()
	for _, res := range objects {
		var state string
		testenv.WaitUntil(t, func() bool {
			var o struct {
				State string `json:"state"`
			}
			f.must(t, http.MethodGet, f.fn("objects")+"/objects/"+f.shared[res].id, nil, http.StatusOK, &o)
			state = o.State
			return state == "READY"
		}, func() string { return fmt.Sprintf("%s is still %s after its upload", res, state) })
	}
}
