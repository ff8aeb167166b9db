package objects

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/signer"
	"valet.dev/valet/shared/signer/signertest"
)

// auditAnswer is the client's view of GET /spaces/{space}/audit.
type auditAnswer struct {
	Entries       []audit.Entry `json:"entries"`
	NextPageToken string        `json:"nextPageToken"`
}

// readAudit reads every page of space's audit trail as principal, pageSize
// at a time.
func (e *env) readAudit(principal, space string, pageSize int) []audit.Entry {
	e.t.Helper()
	var all []audit.Entry
	token := ""
	for range 50 {
		path := "/spaces/" + space + "/audit?pageSize=" + strconv.Itoa(pageSize)
		if token != "" {
			path += "&pageToken=" + token
		}
		var page auditAnswer
		e.call(principal, http.MethodGet, path, nil).Decode(e.t, http.StatusOK, &page)
		require.LessOrEqual(e.t, len(page.Entries), pageSize)
		all = append(all, page.Entries...)
		if page.NextPageToken == "" {
			return all
		}
		token = page.NextPageToken
	}
	e.t.Fatal("the audit trail never ended")
	return nil
}

func actions(entries []audit.Entry) []audit.Action {
	out := make([]audit.Action, len(entries))
	for i, e := range entries {
		out[i] = e.Action
	}
	return out
}

// TestAuditTrailOfAPersonalSpace: every capability handed out in alice's
// space (an upload URL, a download URL, a revocation, a deletion) is an
// entry of her space's trail, newest first, naming her as actor, the
// object, the method and the expiry, never the URL or its signature; only
// she reads it, and only with an unnarrowed credential.
func TestAuditTrailOfAPersonalSpace(t *testing.T) {
	e := newEnv(t, 0)
	alice, bob := unique("alice"), unique("bob")
	space := "users/" + alice
	content := []byte("audited bytes")
	created := e.createObject(user(alice), space, "a.txt", content)
	id := created.Object.ID
	e.arrive(id, content)
	var dl signer.Link
	e.call(user(alice), http.MethodGet, "/objects/"+string(id)+"/download", nil).Decode(t, http.StatusOK, &dl)
	e.call(user(alice), http.MethodPost, "/objects/"+string(id)+"/revoke", nil).Decode(t, http.StatusOK, &struct{}{})
	require.Equal(t, http.StatusNoContent, e.call(user(alice), http.MethodDelete, "/objects/"+string(id), nil).Status)

	entries := e.readAudit(user(alice), space, 1)
	require.Equal(t, []audit.Action{audit.ObjectDeleted, audit.ObjectRevoked, audit.URLSigned, audit.URLSigned}, actions(entries))
	for _, en := range entries {
		require.Equal(t, space, string(en.Space))
		require.Equal(t, "objects/"+string(id), en.Target)
		require.Equal(t, audit.Actor{Kind: "user", ID: alice}, en.Actor)
		require.NoError(t, audit.ParseID(en.ID))
	}
	get, put := entries[2], entries[3]
	require.Equal(t, http.MethodGet, get.Method)
	require.True(t, get.ExpiresAt.Equal(dl.ExpiresAt), "the download's expiry")
	require.Equal(t, http.MethodPut, put.Method)
	require.True(t, put.ExpiresAt.Equal(created.Upload.ExpiresAt), "the upload's expiry")
	require.False(t, entries[0].Time.Before(entries[3].Time), "newest first")

	log := e.auditLog.String()
	require.Equal(t, 4, strings.Count(log, `"logging.googleapis.com/labels":{"valet_audit":"1"}`), "one labelled line per entry: %s", log)
	for _, secret := range []string{apitest.SignatureOf(t, created.Upload.URL), apitest.SignatureOf(t, dl.URL), created.Upload.URL, dl.URL} {
		require.NotContains(t, log, secret)
		for _, en := range entries {
			require.NotContains(t, en.Target+strings.Join(en.Parts, " "), secret)
		}
	}

	// Nobody else reads it; her narrowed tokens neither (403: they may
	// read the space, not its trail), nor a running job acting as her.
	e.call(user(bob), http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call("user:"+alice+":objects:write", http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call("user:"+alice+":jobs:read", http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call("job:"+alice, http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call("", http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusUnauthorized, apperr.Unauthenticated, "")

	// Bad paging is a 400.
	for _, q := range []string{"pageSize=0", "pageSize=101", "pageSize=x", "pageToken=%24%24", "pageToken=bm90LWEtdG9rZW4"} {
		e.call(user(alice), http.MethodGet, "/spaces/"+space+"/audit?"+q, nil).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	}
}

// TestAuditTrailOfAProject: membership changes and the project's objects
// are in its trail, which its owners read; editors and viewers get 403,
// non-members 404; a demoted owner loses it.
func TestAuditTrailOfAProject(t *testing.T) {
	e := newEnv(t, 0)
	alice, bob, carol, dave := unique("alice"), unique("bob"), unique("carol"), unique("dave")
	pid := e.newProject(alice, map[string]project.Role{bob: project.Editor})
	space := "projects/" + pid
	e.call(user(alice), http.MethodPut, "/projects/"+pid+"/members/"+carol, map[string]any{"role": "owner"}).Decode(t, http.StatusOK, &struct{}{})
	e.createObject(user(bob), space, "p.txt", []byte("project bytes"))
	require.Equal(t, http.StatusNoContent, e.call(user(carol), http.MethodDelete, "/projects/"+pid+"/members/"+bob, nil).Status)

	entries := e.readAudit(user(alice), space, 100)
	require.Equal(t, []audit.Action{audit.MemberRemoved, audit.URLSigned, audit.MemberSet, audit.MemberSet, audit.ProjectCreated}, actions(entries))
	require.Equal(t, "projects/"+pid+"/members/"+bob, entries[0].Target)
	require.Equal(t, carol, entries[0].Actor.ID)
	require.Equal(t, bob, entries[1].Actor.ID)
	require.Equal(t, "owner", entries[2].Role)
	require.Equal(t, "projects/"+pid+"/members/"+carol, entries[2].Target)
	require.Equal(t, "editor", entries[3].Role)
	require.Equal(t, alice, entries[4].Actor.ID)
	require.Equal(t, entries, e.readAudit(user(carol), space, 2), "every owner reads the same trail")

	e.call(user(bob), http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "") // removed
	e.call(user(alice), http.MethodPut, "/projects/"+pid+"/members/"+bob, map[string]any{"role": "viewer"}).Decode(t, http.StatusOK, &struct{}{})
	e.call(user(bob), http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call(user(dave), http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(carol), http.MethodPut, "/projects/"+pid+"/members/"+alice, map[string]any{"role": "editor"}).Decode(t, http.StatusOK, &struct{}{})
	e.call(user(alice), http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")

	require.Equal(t, http.StatusNoContent, e.call(user(carol), http.MethodDelete, "/projects/"+pid+"?force=true", nil).Status)
	e.call(user(carol), http.MethodGet, "/spaces/"+space+"/audit", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}

// TestAuditTrailWithoutItsStore: without Options.AuditLog the trail
// answers, once the caller may read it, what every route of a function
// missing a dependency answers (httpapi.NotConfigured).
func TestAuditTrailWithoutItsStore(t *testing.T) {
	e := newEnv(t, 0)
	e.srv = httptest.NewServer(New(Options{
		Objects: e.objects, Projects: e.projects, Storage: e.storage, Signer: signertest.New(t),
		Bucket: testBucket, Authenticate: apitest.Authenticate,
	}))
	t.Cleanup(e.srv.Close)
	alice := unique("alice")
	trail := "/spaces/users/" + alice + "/audit"
	e.call(user(alice), "GET", trail, nil).
		RequireError(t, http.StatusServiceUnavailable, apperr.Unavailable, "the objects function is not configured; operators: see the logs")
	e.call(user(unique("bob")), "GET", trail, nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}
