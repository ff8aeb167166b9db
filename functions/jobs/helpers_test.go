package jobs

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/oidc/oidctest"
	"valet.dev/valet/shared/apitoken"
	"valet.dev/valet/shared/custody/custodytest"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/firestore/firestoretest"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer"
	"valet.dev/valet/shared/signer/signertest"
)

const (
	testBucket   = "valet-jobs-test"
	testAudience = "valet-test"
)

// env is a jobs handler over the Firestore emulator, a real signer and the
// dev OIDC issuer, with the verifier users are authenticated by.
type env struct {
	t        testing.TB
	store    job.Store
	projects *valetfs.ProjectStore
	secrets  *custodytest.Env
	signer   *signer.Signer
	issuer   *oidctest.Issuer
	authn    *identity.Authenticator
	auth     func(*http.Request) (identity.Principal, error)
	*apitest.Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	apitest.Bench(t)
	client := firestoretest.New(t)
	store := valetfs.NewJobStore(client)

	issuer := oidctest.Start(t, testAudience)
	authn := &identity.Authenticator{Users: issuer.Users, APITokens: apitoken.New(valetfs.NewTokenStore(client), apitoken.Options{})}

	e := &env{t: t, store: store, projects: valetfs.NewProjectStore(client), secrets: custodytest.New(t),
		signer: signertest.New(t), issuer: issuer, authn: authn, auth: authn.Authenticate}
	e.Server = apitest.Serve(t, e.handler(nil))
	return e
}

// handler builds another handler over e's store, with clock now (nil:
// time.Now).
func (e *env) handler(now func() time.Time) http.Handler {
	return New(Options{Store: e.store, Signer: e.signer, Bucket: testBucket, Authenticate: e.auth, Now: now,
		VerifyRuntime: e.authn.Verify, Projects: e.projects, Secrets: e.secrets.Store, Audit: apitest.Audit(e.t)})
}

// user is a caller with a credential.
type user = apitest.Caller

// newUser mints a token for a subject unique to this test and run.
func (e *env) newUser(name string) user { return e.issuer.NewUser(e.t, name) }

// response is a recorded answer.
type response = apitest.Response

func validBody() map[string]any {
	return map[string]any{
		"spec":      map[string]any{"image": "alpine", "command": []any{"echo", "1"}, "resources": map[string]any{"cpu": 1}},
		"workspace": map[string]any{"sizeBytes": 1024},
	}
}

// createJob submits validBody for u and returns the answer.
func (e *env) createJob(u user, body map[string]any) createAnswer {
	e.t.Helper()
	if body == nil {
		body = validBody()
	}
	var out createAnswer
	e.Do(u, "POST", "/jobs", body).Decode(e.t, http.StatusCreated, &out)
	return out
}

// createAnswer is the client's view of an upload answer.
type createAnswer struct {
	Job    job.View   `json:"job"`
	Upload signer.URL `json:"upload"`
}

// move applies transitions to a job in the store, as finalize and
// dispatch would.
func (e *env) move(id string, fn func(j *job.Job) ([]job.Event, error)) *job.Job {
	e.t.Helper()
	j, err := e.store.Update(context.Background(), ids.JobID(id), fn)
	require.NoError(e.t, err)
	return j
}

func queue(j *job.Job) ([]job.Event, error) {
	evs, rejected, err := j.WorkspaceArrived(job.Arrival{Generation: 1, SizeBytes: j.Workspace.SizeBytes, MD5: j.Workspace.MD5, Epoch: j.WorkspaceKey}, time.Now())
	if rejected {
		return nil, bytes.ErrTooLarge // any error: the test fails
	}
	return evs, err
}

func claim(j *job.Job) ([]job.Event, error) {
	ev, err := j.Claim("dispatcher", "worker-1", job.DefaultLease, time.Now())
	return []job.Event{ev}, err
}

func arrive(kind job.Kind) func(j *job.Job) ([]job.Event, error) {
	return func(j *job.Job) ([]job.Event, error) {
		evs, rejected, err := j.ArtifactArrived(kind, job.Arrival{Generation: 2, SizeBytes: 10, Epoch: j.Lock.Epoch}, time.Now())
		if rejected {
			return nil, bytes.ErrTooLarge
		}
		return evs, err
	}
}

// httptestRecorder serves one request without a server.
func httptestRecorder(h http.Handler, method, path string) response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	b, _ := io.ReadAll(rec.Result().Body)
	return response{Status: rec.Code, Header: rec.Header(), Body: b}
}
