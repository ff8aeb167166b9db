package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/identity"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/signer"
)

func TestHealthNeedsNoCredential(t *testing.T) {
	srv := New(Options{}) // unconfigured: health still answers
	rec := httptestRecorder(srv, "GET", "/healthz")
	require.Equal(t, http.StatusOK, rec.Status)
	rec = httptestRecorder(srv, "GET", "/jobs")
	require.Equal(t, http.StatusServiceUnavailable, rec.Status)
}

func TestUnknownRoutesAnswerJSON(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	e.Do(alice, "GET", "/nope", nil).RequireError(t, http.StatusNotFound, "", "no such route")
	e.Do(alice, "DELETE", "/jobs/"+string(ids.NewJobID()), nil).RequireError(t, http.StatusMethodNotAllowed, "", "not allowed")
}

func TestCreateAndGet(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	before := time.Now()
	body := validBody()
	body["workspace"] = map[string]any{"sizeBytes": 2048, "md5": "1B2M2Y8AsgTpgAmY7PhCfg==", "contentType": "application/gzip"}
	body["labels"] = map[string]string{"team": "ml", "run-id": "r_1"}
	body["timeoutSeconds"] = 600
	body["requireAttestation"] = true
	body["reuse"] = false
	out := e.createJob(alice, body)

	j := out.Job
	_, err := ids.ParseJobID(j.ID)
	require.NoError(t, err)
	require.Equal(t, alice.ID, j.Owner)
	require.Equal(t, job.AwaitingWorkspace, j.State)
	require.Equal(t, job.DefaultMaxAttempts, j.MaxAttempts)
	require.EqualValues(t, 600, j.TimeoutSeconds)
	require.True(t, j.RequireAttestation)
	require.Equal(t, alice.ID, j.RuntimeUser)
	require.Equal(t, []string{"all"}, j.RuntimeScopes)
	require.Equal(t, map[string]string{"team": "ml", "run-id": "r_1"}, j.Labels)
	require.Equal(t, job.ArtifactView{SizeBytes: 2048, MD5: "1B2M2Y8AsgTpgAmY7PhCfg==", ContentType: "application/gzip"}, j.Workspace)
	require.Equal(t, j.CreatedAt.Add(job.UploadWindow), j.UploadDeadline)
	sum := sha256.Sum256([]byte(`{"command":["echo","1"],"image":"alpine","resources":{"cpu":1}}`))
	require.Equal(t, hex.EncodeToString(sum[:]), j.SpecHash)

	u := apitest.RequireUpload(t, out.Upload, map[string]string{
		signer.HeaderContentType: "application/gzip",
		signer.HeaderLengthRange: "0,2048",
		signer.HeaderContentMD5:  "1B2M2Y8AsgTpgAmY7PhCfg==",
		// The workspace URL can create the object, never replace it.
		signer.HeaderIfGenerationMatch: "0",
	}, before.Add(time.Hour))
	require.Equal(t, "127.0.0.1:1", u.Host)
	require.Equal(t, "/"+testBucket+"/"+job.WorkspaceName(ids.JobID(j.ID), 1), u.Path)
	require.NotEmpty(t, u.Query().Get("X-Goog-Signature"))

	// The stored job reads back the same, with no secret or URL in it.
	got := e.Do(alice, "GET", "/jobs/"+j.ID, nil)
	var stored job.View
	got.Decode(t, http.StatusOK, &stored)
	require.Equal(t, j.ID, stored.ID)
	require.Equal(t, j.SpecHash, stored.SpecHash)
	require.Equal(t, map[string]any{"image": "alpine", "command": []any{"echo", "1"}, "resources": map[string]any{"cpu": float64(1)}}, stored.Spec)
	require.True(t, j.CreatedAt.Equal(stored.CreatedAt))
	for _, secret := range []string{"X-Goog-Signature", "runtimeToken", "generation", "holder", "eventSeq", "http://"} {
		require.NotContains(t, string(got.Body), secret)
	}

	// Its first event is CREATED.
	var events eventsResponse
	e.Do(alice, "GET", "/jobs/"+j.ID+"/events", nil).Decode(t, http.StatusOK, &events)
	require.Len(t, events.Events, 1)
	require.Equal(t, job.EventCreated, events.Events[0].Type)
	require.EqualValues(t, 1, events.Events[0].Seq)
	require.Empty(t, events.NextPageToken)
}

func TestCreateDefaults(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	out := e.createJob(alice, map[string]any{"spec": map[string]any{}, "workspace": map[string]any{"sizeBytes": 0}})
	require.EqualValues(t, 6*3600, out.Job.TimeoutSeconds)
	require.Equal(t, "application/x-tar", out.Job.Workspace.ContentType)
	require.Equal(t, "0,0", out.Upload.Headers[signer.HeaderLengthRange])
	require.NotContains(t, out.Upload.Headers, signer.HeaderContentMD5)
	require.False(t, out.Job.RequireAttestation)
}

func TestEveryRouteNeedsCredentials(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	id := e.createJob(alice, nil).Job.ID
	forged := user{Token: alice.Token[:len(alice.Token)-4] + "AAAA"}
	for _, rt := range routes(id) {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			for _, u := range []user{{}, forged, {Token: "not-a-jwt"}} {
				e.Do(u, rt.method, rt.path, rt.body).RequireError(t, http.StatusUnauthorized, apperr.Unauthenticated, "")
			}
		})
	}
}

func TestServicePrincipalsAreRefused(t *testing.T) {
	e := newEnv(t)
	srv := apitest.Serve(t, New(Options{Store: e.store, Signer: e.signer, Bucket: testBucket,
		VerifyRuntime: e.authn.Verify, Projects: e.projects, Secrets: e.secrets.Store,
		Authenticate: func(*http.Request) (identity.Principal, error) {
			return identity.Principal{Kind: identity.Service, ID: "dispatcher@x.iam.gserviceaccount.com"}, nil
		}}))
	for _, rt := range routes(string(ids.NewJobID())) {
		srv.Do(user{}, rt.method, rt.path, rt.body).RequireError(t, http.StatusForbidden, "", "users")
	}
}

func TestAnotherUserSeesNotFound(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.newUser("alice"), e.newUser("bob")
	id := e.createJob(alice, nil).Job.ID
	missing := string(ids.NewJobID())
	for _, rt := range routes(id) {
		if rt.path == "/jobs" {
			continue
		}
		bobs := e.Do(bob, rt.method, rt.path, rt.body).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
		absent := e.Do(alice, rt.method, strings.Replace(rt.path, id, missing, 1), rt.body).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
		require.Equal(t, "job "+id+" not found", bobs.Message, "%s %s", rt.method, rt.path)
		require.Equal(t, strings.Replace(absent.Message, missing, id, 1), bobs.Message, "same body as a missing job")
	}
	// Bob's list does not show Alice's job, and her job is untouched.
	var list listResponse
	e.Do(bob, "GET", "/jobs", nil).Decode(t, http.StatusOK, &list)
	require.Empty(t, list.Jobs)
	var j job.Job
	e.Do(alice, "GET", "/jobs/"+id, nil).Decode(t, http.StatusOK, &j)
	require.Equal(t, job.AwaitingWorkspace, j.State)
}

func TestBadJobIDs(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	for _, bad := range []string{"nope", "j_short", "J_" + strings.Repeat("a", 26), "j_" + strings.Repeat("1", 26)} {
		for _, rt := range routes(bad) {
			if rt.path == "/jobs" {
				continue
			}
			e.Do(alice, rt.method, rt.path, rt.body).RequireError(t, http.StatusBadRequest, apperr.Invalid, "job id")
		}
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	with := func(k string, v any) map[string]any {
		b := validBody()
		b[k] = v
		return b
	}
	ws := func(v map[string]any) map[string]any { return with("workspace", v) }
	manyLabels := map[string]string{}
	for i := range 33 {
		manyLabels["l"+strconv.Itoa(i)] = "v"
	}
	deep := map[string]any{}
	for range 20 {
		deep = map[string]any{"a": deep}
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		want   string
	}{
		{"unknown field", with("color", "red"), 400, `unknown field "color"`},
		{"not JSON", `{"spec":`, 400, "JSON"},
		{"empty body", ``, 400, "empty"},
		{"array body", `[]`, 400, "object"},
		{"spec missing", map[string]any{"workspace": map[string]any{"sizeBytes": 1}}, 400, "spec is required"},
		{"spec null", with("spec", nil), 400, "spec is required"},
		{"spec a string", with("spec", "run"), 400, "spec must be a JSON object"},
		{"spec an array", with("spec", []any{1}), 400, "spec must be a JSON object"},
		{"spec too large", with("spec", map[string]any{"x": strings.Repeat("a", 33<<10)}), 400, "spec is larger"},
		{"spec too deep", with("spec", deep), 400, "deeper"},
		{"spec nested arrays", with("spec", map[string]any{"m": []any{[]any{1}}}), 400, "array directly inside an array"},
		{"spec empty key", with("spec", map[string]any{"": 1}), 400, "empty key"},
		{"spec reserved key", with("spec", map[string]any{"__name__": 1}), 400, "reserved"},
		{"spec huge number", `{"spec":{"n":1e400},"workspace":{"sizeBytes":1}}`, 400, "out of range"},
		{"spec unknown field", with("spec", map[string]any{"image": "x", "comand": []any{"make"}}), 400, "spec: additional properties 'comand' not allowed"},
		{"spec command a string", with("spec", map[string]any{"command": "make test"}), 400, "spec.command: got string, want array"},
		{"spec command not strings", with("spec", map[string]any{"command": []any{"echo", 1}}), 400, "spec.command[1]: got number, want string"},
		{"spec env of valet", with("spec", map[string]any{"env": map[string]any{"VALET_JOB_TOKEN": "x"}}), 400, "spec.env.VALET_JOB_TOKEN: not allowed"},
		{"spec resources", with("spec", map[string]any{"resources": map[string]any{"memoryMiB": -1}}), 400, "spec.resources.memoryMiB"},
		{"workspace missing", map[string]any{"spec": map[string]any{}}, 400, "workspace is required"},
		{"size missing", ws(map[string]any{}), 400, "sizeBytes is required"},
		{"size negative", ws(map[string]any{"sizeBytes": -1}), 400, "sizeBytes must be 0 to"},
		{"size too large", ws(map[string]any{"sizeBytes": int64(5<<30) + 1}), 400, "sizeBytes must be 0 to"},
		{"size a string", ws(map[string]any{"sizeBytes": "10"}), 400, `"workspace.sizeBytes" must be a JSON integer`},
		{"size a fraction", ws(map[string]any{"sizeBytes": 1.5}), 400, "sizeBytes"},
		{"md5 not base64", ws(map[string]any{"sizeBytes": 1, "md5": "not base64!"}), 400, "md5"},
		{"md5 wrong length", ws(map[string]any{"sizeBytes": 1, "md5": "AAAA"}), 400, "16 bytes"},
		{"content type bad", ws(map[string]any{"sizeBytes": 1, "contentType": "tar"}), 400, "contentType"},
		{"content type control", ws(map[string]any{"sizeBytes": 1, "contentType": "a/b\n"}), 400, "contentType"},
		{"timeout zero", with("timeoutSeconds", 0), 400, "timeoutSeconds must be 1 to 86400"},
		{"timeout too long", with("timeoutSeconds", 86401), 400, "timeoutSeconds must be 1 to 86400"},
		{"timeout a string", with("timeoutSeconds", "60"), 400, "timeoutSeconds"},
		{"too many labels", with("labels", manyLabels), 400, "at most 32 labels"},
		{"label key upper case", with("labels", map[string]string{"Team": "x"}), 400, "label key"},
		{"label key empty", with("labels", map[string]string{"": "x"}), 400, "label key"},
		{"label key too long", with("labels", map[string]string{strings.Repeat("a", 64): "x"}), 400, "label key"},
		{"label value bad", with("labels", map[string]string{"team": "M L"}), 400, "value of label"},
		{"label value not a string", with("labels", map[string]any{"team": 1}), 400, "labels"},
		{"project bad id", with("project", "P1"), 400, "project id"},
		{"project not a member", with("project", "proj-1"), 404, "project proj-1 not found"},
		{"runtime token not a credential", with("runtimeToken", "s3cr3t-token"), 400, "runtimeToken is not a valid credential"},
		{"runtime token a forged API token", with("runtimeToken", "valet_s3cr3t-token"), 400, "runtimeToken is not a valid credential"},
		{"runtime token wrong type", with("runtimeToken", 7), 400, "runtimeToken"},
		{"reuse without md5", with("reuse", true), 400, "reuse needs workspace.md5"},
		{"body too large", `{"spec":{"x":"` + strings.Repeat("a", 70<<10) + `"}}`, 413, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do(alice, "POST", "/jobs", tc.body)
			r.RequireError(t, tc.status, "", tc.want)
			require.NotContains(t, string(r.Body), "s3cr3t-token")
		})
	}
	// Nothing was stored.
	var list listResponse
	e.Do(alice, "GET", "/jobs", nil).Decode(t, http.StatusOK, &list)
	require.Empty(t, list.Jobs)
}

func TestCreateNeedsJSONContentType(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	req, err := http.NewRequest("POST", e.URL+"/jobs", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+alice.Token)
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
}

func TestUploadReissue(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	created := e.createJob(alice, nil)
	id := created.Job.ID

	var again createAnswer
	e.Do(alice, "POST", "/jobs/"+id+"/upload", nil).Decode(t, http.StatusOK, &again)
	require.Equal(t, id, again.Job.ID)
	require.Equal(t, created.Upload.Headers, again.Upload.Headers)
	require.Contains(t, created.Upload.URL, job.WorkspaceName(ids.JobID(id), 1))
	require.Contains(t, again.Upload.URL, job.WorkspaceName(ids.JobID(id), 2), "each URL names a key of its own")
	require.False(t, again.Upload.ExpiresAt.After(again.Job.UploadDeadline.Add(time.Second)))

	// Near the deadline the URL lives only until it.
	late := apitest.Serve(t, e.handler(func() time.Time { return created.Job.UploadDeadline.Add(-10 * time.Minute) }))
	var short createAnswer
	late.Do(alice, "POST", "/jobs/"+id+"/upload", nil).Decode(t, http.StatusOK, &short)
	require.WithinDuration(t, time.Now().Add(10*time.Minute), short.Upload.ExpiresAt, 5*time.Second)

	// After the deadline, none.
	closed := apitest.Serve(t, e.handler(func() time.Time { return created.Job.UploadDeadline.Add(-500 * time.Millisecond) }))
	closed.Do(alice, "POST", "/jobs/"+id+"/upload", nil).RequireError(t, http.StatusConflict, "", "upload window")

	// Once queued, none either.
	e.move(id, queue)
	e.Do(alice, "POST", "/jobs/"+id+"/upload", nil).RequireError(t, http.StatusConflict, "", "QUEUED")
}

func TestOutputAndAttestation(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	body := validBody()
	body["requireAttestation"] = true
	id := e.createJob(alice, body).Job.ID
	out, att := "/jobs/"+id+"/output", "/jobs/"+id+"/attestation"

	e.Do(alice, "GET", out, nil).RequireError(t, http.StatusConflict, "", "no output yet")
	e.Do(alice, "GET", att, nil).RequireError(t, http.StatusConflict, "", "no attestation yet")
	e.move(id, queue)
	e.move(id, claim)
	e.move(id, arrive(job.OutputKind))

	var dl map[string]any
	e.Do(alice, "GET", out, nil).Decode(t, http.StatusOK, &dl)
	require.Len(t, dl, 2, "only url and expiresAt: %v", dl)
	checkDownload(t, dl, id, job.OutputKind, "output.tar")
	e.Do(alice, "GET", att, nil).RequireError(t, http.StatusConflict, "", "no attestation yet")

	j := e.move(id, arrive(job.AttestationKind))
	require.Equal(t, job.Succeeded, j.State)
	e.Do(alice, "GET", att, nil).Decode(t, http.StatusOK, &dl)
	checkDownload(t, dl, id, job.AttestationKind, "attestation.json")

	// A succeeded job cannot be cancelled.
	e.Do(alice, "POST", "/jobs/"+id+"/cancel", nil).RequireError(t, http.StatusConflict, "", "SUCCEEDED")
}

func checkDownload(t *testing.T, dl map[string]any, id string, kind job.Kind, file string) {
	t.Helper()
	u, err := url.Parse(dl["url"].(string))
	require.NoError(t, err)
	require.Equal(t, "/"+testBucket+"/"+job.ArtifactName(ids.JobID(id), kind, 1), u.Path, "the artifact of the claim (epoch 1) that uploaded it")
	require.Equal(t, `attachment; filename="`+file+`"`, u.Query().Get("response-content-disposition"))
	expires, err := time.Parse(time.RFC3339, dl["expiresAt"].(string))
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(time.Hour), expires, 5*time.Second)
}

func TestCancel(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	id := e.createJob(alice, nil).Job.ID

	var first, second job.Job
	e.Do(alice, "POST", "/jobs/"+id+"/cancel", nil).Decode(t, http.StatusOK, &first)
	require.Equal(t, job.Cancelled, first.State)
	require.False(t, first.FinishedAt.IsZero())
	e.Do(alice, "POST", "/jobs/"+id+"/cancel", nil).Decode(t, http.StatusOK, &second)
	require.Equal(t, job.Cancelled, second.State)
	require.True(t, first.FinishedAt.Equal(second.FinishedAt), "the second cancel changes nothing")

	var events eventsResponse
	e.Do(alice, "GET", "/jobs/"+id+"/events", nil).Decode(t, http.StatusOK, &events)
	require.Len(t, events.Events, 2)
	require.Equal(t, job.EventCancelled, events.Events[1].Type)
	require.Equal(t, "cancelled by "+alice.ID, events.Events[1].Message)

	// The upload cannot be re-issued for a cancelled job.
	e.Do(alice, "POST", "/jobs/"+id+"/upload", nil).RequireError(t, http.StatusConflict, "", "CANCELLED")
}

func TestListPagination(t *testing.T) {
	e := newEnv(t)
	carol := e.newUser("carol")
	want := map[string]bool{}
	for range 5 {
		want[e.createJob(carol, nil).Job.ID] = true
	}
	var queued string
	for id := range want {
		queued = id
		break
	}
	e.move(queued, queue)

	seen := map[string]bool{}
	token, pages := "", 0
	for {
		var page listResponse
		e.Do(carol, "GET", "/jobs?pageSize=2&pageToken="+url.QueryEscape(token), nil).Decode(t, http.StatusOK, &page)
		require.LessOrEqual(t, len(page.Jobs), 2)
		for _, j := range page.Jobs {
			require.False(t, seen[j.ID], "job %s listed twice", j.ID)
			seen[j.ID] = true
			require.Equal(t, carol.ID, j.Owner)
		}
		pages++
		if page.NextPageToken == "" {
			break
		}
		token = page.NextPageToken
		require.Less(t, pages, 10)
	}
	require.Equal(t, want, seen)
	require.Equal(t, 3, pages)

	var filtered listResponse
	e.Do(carol, "GET", "/jobs?state=QUEUED", nil).Decode(t, http.StatusOK, &filtered)
	require.Len(t, filtered.Jobs, 1)
	require.Equal(t, queued, filtered.Jobs[0].ID)
	e.Do(carol, "GET", "/jobs?state=AWAITING_WORKSPACE&pageSize=100", nil).Decode(t, http.StatusOK, &filtered)
	require.Len(t, filtered.Jobs, 4)
	require.Empty(t, filtered.NextPageToken)

	for query, msg := range map[string]string{
		"state=DONE":                             "is not a job state",
		"state=queued":                           "is not a job state",
		"pageSize=0":                             "pageSize must be",
		"pageSize=101":                           "pageSize must be",
		"pageSize=two":                           "pageSize must be",
		"project=P1":                             "project id",
		"pageToken=" + "%ff%fe!":                 "pageToken",
		"pageToken=" + strings.Repeat("x", 2000): "pageToken",
	} {
		e.Do(carol, "GET", "/jobs?"+query, nil).RequireError(t, http.StatusBadRequest, "", msg)
	}
}

func TestEventsPagination(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	id := e.createJob(alice, nil).Job.ID
	e.move(id, queue)
	e.move(id, claim)
	e.Do(alice, "POST", "/jobs/"+id+"/cancel", nil).Decode(t, http.StatusOK, &job.Job{})

	var types []string
	var seqs []int64
	token := ""
	for range 10 {
		var page eventsResponse
		e.Do(alice, "GET", "/jobs/"+id+"/events?pageSize=2&pageToken="+url.QueryEscape(token), nil).Decode(t, http.StatusOK, &page)
		for _, ev := range page.Events {
			types = append(types, ev.Type)
			seqs = append(seqs, ev.Seq)
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	require.Equal(t, []string{job.EventCreated, job.EventQueued, job.EventLocked, job.EventCancelled, job.EventScrubbed}, types,
		"the queued job held a workflow token; cancelling destroyed it")
	require.Equal(t, []int64{1, 2, 3, 4, 5}, seqs)

	e.Do(alice, "GET", "/jobs/"+id+"/events?pageSize=0", nil).RequireError(t, http.StatusBadRequest, "", "pageSize")
	e.Do(alice, "GET", "/jobs/"+id+"/events?pageToken=garbage", nil).RequireError(t, http.StatusBadRequest, "", "pageToken")
}

func TestStoredJobHasNoURL(t *testing.T) {
	e := newEnv(t)
	alice := e.newUser("alice")
	id := e.createJob(alice, nil).Job.ID
	e.Do(alice, "POST", "/jobs/"+id+"/upload", nil).Decode(t, http.StatusOK, &createAnswer{})
	j, err := e.store.Get(context.Background(), ids.JobID(id))
	require.NoError(t, err)
	evs, _, err := e.store.Events(context.Background(), ids.JobID(id), 100, "")
	require.NoError(t, err)
	for _, ev := range evs {
		require.NotContains(t, ev.Message, "X-Goog")
		require.NotContains(t, ev.Message, "http")
	}
	require.NotContains(t, j.Message, "http")
}

// route is one authenticated route with a body that would be accepted.
type route struct {
	method, path string
	body         any
}

func routes(id string) []route {
	return []route{
		{"POST", "/jobs", validBody()},
		{"GET", "/jobs", nil},
		{"GET", "/jobs/" + id, nil},
		{"POST", "/jobs/" + id + "/upload", nil},
		{"POST", "/jobs/" + id + "/cancel", nil},
		{"GET", "/jobs/" + id + "/output", nil},
		{"GET", "/jobs/" + id + "/attestation", nil},
		{"GET", "/jobs/" + id + "/events", nil},
	}
}
