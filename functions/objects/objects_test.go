package objects

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/object"
	"valet.dev/valet/shared/project"
	"valet.dev/valet/shared/signer"
)

func TestCreateObjectInOwnSpace(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	space := "users/" + alice
	content := []byte("hello, world")
	before := time.Now()
	out := e.createObject(user(alice), space, "dir/hello.txt", content)

	o := out.Object
	_, err := ids.ParseObjectID(string(o.ID))
	require.NoError(t, err)
	require.Equal(t, space, string(o.Space))
	require.Equal(t, "dir/hello.txt", o.Name)
	require.Equal(t, object.Pending, o.State)
	require.EqualValues(t, len(content), o.SizeBytes)
	require.Equal(t, md5Of(content), o.MD5)
	require.Equal(t, alice, string(o.CreatedBy))
	require.Empty(t, o.Key, "the storage key is never shown")

	u := apitest.RequireUpload(t, out.Upload, map[string]string{
		signer.HeaderContentType:       "text/plain",
		signer.HeaderContentMD5:        md5Of(content),
		signer.HeaderLengthRange:       "12,12",
		signer.HeaderIfGenerationMatch: "0",
	}, before.Add(object.UploadWindow))
	stored := e.object(o.ID)
	require.Equal(t, "/"+testBucket+"/"+stored.UploadKey, u.Path, "the URL names the object's upload key")
	require.NotEqual(t, stored.Key, stored.UploadKey, "never the key download URLs name")
	require.NotEmpty(t, u.Query().Get("X-Goog-Signature"))
	require.EqualValues(t, len(content), e.usage(space).ReservedBytes, "a pending object reserves its bytes")

	var noMD5 createAnswer
	e.call(user(alice), "POST", "/spaces/"+space+"/objects", map[string]any{"name": "x", "contentType": "application/octet-stream", "sizeBytes": 0}).
		Decode(t, http.StatusCreated, &noMD5)
	require.NotContains(t, noMD5.Upload.Headers, signer.HeaderContentMD5)
	require.Equal(t, "0,0", noMD5.Upload.Headers[signer.HeaderLengthRange])
}

func TestCreateObjectChecksAccess(t *testing.T) {
	e := newEnv(t, 0)
	alice, bob, editor, viewer := unique("alice"), unique("bob"), unique("ed"), unique("view")
	pid := e.newProject(alice, map[string]project.Role{editor: project.Editor, viewer: project.Viewer})
	body := map[string]any{"name": "x.txt", "contentType": "text/plain", "sizeBytes": 3}

	e.call(user(bob), "POST", "/spaces/users/"+alice+"/objects", body).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(bob), "POST", "/spaces/projects/"+pid+"/objects", body).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(viewer), "POST", "/spaces/projects/"+pid+"/objects", body).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "editor")
	var out createAnswer
	e.call(user(editor), "POST", "/spaces/projects/"+pid+"/objects", body).Decode(t, http.StatusCreated, &out)
	require.Equal(t, "projects/"+pid, string(out.Object.Space))
	require.Equal(t, editor, string(out.Object.CreatedBy))

	e.call(user(alice), "POST", "/spaces/groups/g1/objects", body).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	e.call(user(alice), "POST", "/spaces/projects/"+unique("none")+"/objects", body).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}

func TestCreateObjectRefusesBadInput(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	path := "/spaces/users/" + alice + "/objects"
	valid := func(change map[string]any) map[string]any {
		b := map[string]any{"name": "x.txt", "contentType": "text/plain", "sizeBytes": 3}
		for k, v := range change {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   apperr.Code
	}{
		{"control character in name", valid(map[string]any{"name": "a\x07b"}), 400, apperr.Invalid},
		{"name over 1024 bytes", valid(map[string]any{"name": strings.Repeat("n", 1025)}), 400, apperr.Invalid},
		{"name ..", valid(map[string]any{"name": ".."}), 400, apperr.Invalid},
		{"empty name", valid(map[string]any{"name": nil}), 400, apperr.Invalid},
		{"missing sizeBytes", valid(map[string]any{"sizeBytes": nil}), 400, apperr.Invalid},
		{"negative sizeBytes", valid(map[string]any{"sizeBytes": -1}), 400, apperr.Invalid},
		{"size over the object limit", valid(map[string]any{"sizeBytes": object.MaxObjectBytes + 1}), 413, apperr.TooLarge},
		{"md5 not base64 of 16 bytes", valid(map[string]any{"md5": "abc"}), 400, apperr.Invalid},
		{"bad content type", valid(map[string]any{"contentType": "text"}), 400, apperr.Invalid},
		{"missing content type", valid(map[string]any{"contentType": nil}), 400, apperr.Invalid},
		{"unknown field", valid(map[string]any{"key": "spaces/users/x/o"}), 400, apperr.Invalid},
		{"not json", "{", 400, apperr.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.call(user(alice), "POST", path, tc.body).RequireError(t, tc.status, tc.code, "")
		})
	}
	require.Zero(t, e.usage("users/"+alice), "refused creates reserve nothing")
	e.createObject(user(alice), "users/"+alice, strings.Repeat("é", 512), []byte("ok"))
}

func TestQuotaCountsPendingObjects(t *testing.T) {
	e := newEnv(t, 10)
	alice := unique("alice")
	space := "users/" + alice
	e.createObject(user(alice), space, "a", []byte("123456")) // pending, 6 of 10
	e.call(user(alice), "POST", "/spaces/"+space+"/objects", map[string]any{"name": "b", "contentType": "text/plain", "sizeBytes": 5}).
		RequireError(t, http.StatusRequestEntityTooLarge, apperr.TooLarge, "quota")
	e.createObject(user(alice), space, "c", []byte("1234")) // exactly 10
	require.Equal(t, int64(10), e.usage(space).ReservedBytes)
}

// objectsAnswer is the client's view of a list.
type objectsAnswer struct {
	Objects       []object.Object `json:"objects"`
	NextPageToken string          `json:"nextPageToken"`
}

func TestReadObjects(t *testing.T) {
	e := newEnv(t, 0)
	alice, bob, viewer := unique("alice"), unique("bob"), unique("view")
	space := "users/" + alice
	content := []byte("contents")
	ready := e.upload(user(alice), space, "docs/a.txt", content)
	e.upload(user(alice), space, "docs/b.txt", content)
	pending := e.createObject(user(alice), space, "docs/c.txt", content).Object
	e.upload(user(alice), space, "other.txt", content)

	var got object.Object
	e.call(user(alice), "GET", "/objects/"+string(ready.ID), nil).Decode(t, http.StatusOK, &got)
	require.Equal(t, object.Ready, got.State)
	require.Equal(t, ready.ID, got.ID)
	require.Equal(t, md5Of(content), got.MD5)
	e.call(user(bob), "GET", "/objects/"+string(ready.ID), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(alice), "GET", "/objects/"+string(ids.NewObjectID()), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(alice), "GET", "/objects/nope", nil).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")

	var names []string
	token := ""
	for page := 0; ; page++ {
		var list objectsAnswer
		e.call(user(alice), "GET", "/spaces/"+space+"/objects?prefix=docs/&pageSize=2&pageToken="+url.QueryEscape(token), nil).Decode(t, http.StatusOK, &list)
		require.LessOrEqual(t, len(list.Objects), 2)
		for _, o := range list.Objects {
			names = append(names, o.Name)
		}
		if list.NextPageToken == "" {
			break
		}
		token = list.NextPageToken
		require.Less(t, page, 3)
	}
	require.Equal(t, []string{"docs/a.txt", "docs/b.txt", "docs/c.txt"}, names, "pending objects are listed too")

	var empty objectsAnswer
	e.call(user(alice), "GET", "/spaces/"+space+"/objects?prefix=zzz", nil).Decode(t, http.StatusOK, &empty)
	require.NotNil(t, empty.Objects)
	require.Empty(t, empty.Objects)
	e.call(user(bob), "GET", "/spaces/"+space+"/objects", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	for _, q := range []string{"pageSize=x", "pageSize=-1", "pageSize=100000", "pageToken=garbage", "prefix=" + strings.Repeat("p", 1025)} {
		e.call(user(alice), "GET", "/spaces/"+space+"/objects?"+q, nil).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	}

	pid := e.newProject(alice, map[string]project.Role{viewer: project.Viewer})
	inProject := e.upload(user(alice), "projects/"+pid, "shared.txt", content)
	var list objectsAnswer
	e.call(user(viewer), "GET", "/spaces/projects/"+pid+"/objects", nil).Decode(t, http.StatusOK, &list)
	require.Len(t, list.Objects, 1)
	require.Equal(t, inProject.ID, list.Objects[0].ID)

	// Download.
	var dl signer.Link
	before := time.Now()
	e.call(user(viewer), "GET", "/objects/"+string(inProject.ID)+"/download", nil).Decode(t, http.StatusOK, &dl)
	require.WithinDuration(t, before.Add(object.DownloadWindow), dl.ExpiresAt, 5*time.Second)
	u, err := url.Parse(dl.URL)
	require.NoError(t, err)
	require.Equal(t, "/"+testBucket+"/"+inProject.Key, u.Path)
	require.Equal(t, `attachment; filename=shared.txt`, u.Query().Get("response-content-disposition"))
	e.call(user(alice), "GET", "/objects/"+string(pending.ID)+"/download", nil).RequireError(t, http.StatusConflict, apperr.Conflict, "")
	e.call(user(bob), "GET", "/objects/"+string(inProject.ID)+"/download", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}

func TestDispositionNamesTheObject(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"docs/report 2026.pdf", `attachment; filename="report 2026.pdf"`},
		{"a.txt", `attachment; filename=a.txt`},
		{"dir/", `attachment; filename=dir`},
		{"résumé.txt", `attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt`},
		{`q"uote.txt`, `attachment; filename="q\"uote.txt"`},
	} {
		require.Equal(t, tc.want, disposition(tc.name), tc.name)
	}
	long := disposition(strings.Repeat("é", 500) + ".tar.gz")
	require.LessOrEqual(t, len(long), maxDispositionBytes)
	require.True(t, strings.HasSuffix(long, ".gz"), long)
}

func TestDownloadOfALongNameWorks(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	o := e.upload(user(alice), "users/"+alice, strings.Repeat("长", 340)+".txt", []byte("x"))
	var dl signer.Link
	e.call(user(alice), "GET", "/objects/"+string(o.ID)+"/download", nil).Decode(t, http.StatusOK, &dl)
	u, err := url.Parse(dl.URL)
	require.NoError(t, err)
	require.Contains(t, u.Query().Get("response-content-disposition"), ".txt")
}

func TestCopyObject(t *testing.T) {
	e := newEnv(t, 0)
	alice, bob, viewer := unique("alice"), unique("bob"), unique("view")
	content := []byte("copy me")
	src := e.upload(user(alice), "users/"+alice, "src.txt", content)
	writable := e.newProject(alice, nil)
	readOnly := e.newProject(bob, map[string]project.Role{alice: project.Viewer, viewer: project.Viewer})

	var dst object.Object
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "projects/" + writable}).Decode(t, http.StatusCreated, &dst)
	require.NotEqual(t, src.ID, dst.ID)
	require.Equal(t, "projects/"+writable, string(dst.Space))
	require.Equal(t, "src.txt", dst.Name, "a copy keeps the name unless given one")
	require.Equal(t, object.Ready, dst.State)
	require.Equal(t, src.SizeBytes, dst.SizeBytes)
	require.Equal(t, src.MD5, dst.MD5)
	require.Equal(t, alice, string(dst.CreatedBy))
	stored, ok := e.stored(e.object(dst.ID).Key)
	require.True(t, ok)
	require.Equal(t, content, stored)
	u := e.usage("projects/" + writable)
	require.EqualValues(t, len(content), u.UsedBytes, "the copy counts in the target space")
	require.Zero(t, u.ReservedBytes)
	require.EqualValues(t, 1, u.Objects)

	var renamed object.Object
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "users/" + alice, "name": "again.txt"}).Decode(t, http.StatusCreated, &renamed)
	require.Equal(t, "again.txt", renamed.Name)
	require.EqualValues(t, 2*len(content), e.usage("users/"+alice).UsedBytes)

	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "projects/" + readOnly}).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "users/" + bob}).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "projects/" + unique("none")}).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{}).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "groups/x"}).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "users/" + alice, "name": "a\x00"}).RequireError(t, http.StatusBadRequest, apperr.Invalid, "")
	e.call(user(bob), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "users/" + bob}).RequireError(t, http.StatusNotFound, apperr.NotFound, "")

	// A viewer may copy out of a project into their own space.
	shared := e.upload(user(bob), "projects/"+readOnly, "shared.txt", content)
	var mine object.Object
	e.call(user(viewer), "POST", "/objects/"+string(shared.ID)+"/copy", map[string]any{"space": "users/" + viewer}).Decode(t, http.StatusCreated, &mine)
	require.Equal(t, "users/"+viewer, string(mine.Space))

	pending := e.createObject(user(alice), "users/"+alice, "p.txt", content).Object
	e.call(user(alice), "POST", "/objects/"+string(pending.ID)+"/copy", map[string]any{"space": "users/" + alice}).RequireError(t, http.StatusConflict, apperr.Conflict, "")
}

func TestCopyIsCountedAgainstTheTargetQuota(t *testing.T) {
	e := newEnv(t, 10)
	alice := unique("alice")
	src := e.upload(user(alice), "users/"+alice, "six", []byte("123456"))
	target := e.newProject(alice, nil)
	e.upload(user(alice), "projects/"+target, "five", []byte("12345"))
	e.call(user(alice), "POST", "/objects/"+string(src.ID)+"/copy", map[string]any{"space": "projects/" + target}).RequireError(t, http.StatusRequestEntityTooLarge, apperr.TooLarge, "")
	u := e.usage("projects/" + target)
	require.EqualValues(t, 5, u.UsedBytes)
	require.Zero(t, u.ReservedBytes, "a refused copy reserves nothing")
}

func TestRevokeMovesTheBytes(t *testing.T) {
	e := newEnv(t, 0)
	alice, viewer := unique("alice"), unique("view")
	pid := e.newProject(alice, map[string]project.Role{viewer: project.Viewer})
	content := []byte("secret bytes")
	o := e.upload(user(alice), "projects/"+pid, "r.txt", content)
	oldKey := o.Key

	var before signer.Link
	e.call(user(alice), "GET", "/objects/"+string(o.ID)+"/download", nil).Decode(t, http.StatusOK, &before)

	e.call(user(viewer), "POST", "/objects/"+string(o.ID)+"/revoke", nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
	var got object.Object
	e.call(user(alice), "POST", "/objects/"+string(o.ID)+"/revoke", nil).Decode(t, http.StatusOK, &got)
	require.Equal(t, object.Ready, got.State)
	moved := e.object(o.ID)
	require.NotEqual(t, oldKey, moved.Key, "the storage key changed")
	require.EqualValues(t, 1, moved.Revision)
	_, ok := e.stored(oldKey)
	require.False(t, ok, "the old key's bytes are gone, so old URLs fail")
	stored, ok := e.stored(moved.Key)
	require.True(t, ok)
	require.Equal(t, content, stored)

	var after signer.Link
	e.call(user(viewer), "GET", "/objects/"+string(o.ID)+"/download", nil).Decode(t, http.StatusOK, &after)
	u, err := url.Parse(after.URL)
	require.NoError(t, err)
	require.Equal(t, "/"+testBucket+"/"+moved.Key, u.Path, "new URLs name the new key")
	require.NotEqual(t, before.URL, after.URL)

	e.call(user(alice), "POST", "/objects/"+string(o.ID)+"/revoke", nil).Decode(t, http.StatusOK, &got)
	require.EqualValues(t, 2, e.object(o.ID).Revision, "revoke works again")
	require.Equal(t, int64(len(content)), e.usage("projects/"+pid).UsedBytes, "a revoke does not change usage")

	pending := e.createObject(user(alice), "users/"+alice, "p", content).Object
	e.call(user(alice), "POST", "/objects/"+string(pending.ID)+"/revoke", nil).RequireError(t, http.StatusConflict, apperr.Conflict, "")
	e.call(user(unique("stranger")), "POST", "/objects/"+string(o.ID)+"/revoke", nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
}

func TestDeleteObject(t *testing.T) {
	e := newEnv(t, 0)
	alice, viewer := unique("alice"), unique("view")
	space := "users/" + alice
	content := []byte("delete me")
	o := e.upload(user(alice), space, "d.txt", content)
	require.EqualValues(t, len(content), e.usage(space).UsedBytes)

	e.call(user(viewer), "DELETE", "/objects/"+string(o.ID), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")
	require.Equal(t, http.StatusNoContent, e.call(user(alice), "DELETE", "/objects/"+string(o.ID), nil).Status)
	_, ok := e.stored(o.Key)
	require.False(t, ok, "the bytes are gone")
	_, err := e.objects.Get(t.Context(), o.ID)
	require.Equal(t, apperr.NotFound, apperr.CodeOf(err), "the metadata is gone")
	require.Zero(t, e.usage(space), "the usage is released")
	e.call(user(alice), "DELETE", "/objects/"+string(o.ID), nil).RequireError(t, http.StatusNotFound, apperr.NotFound, "")

	pending := e.createObject(user(alice), space, "p", content).Object
	require.Equal(t, http.StatusNoContent, e.call(user(alice), "DELETE", "/objects/"+string(pending.ID), nil).Status, "a pending object without bytes deletes")
	require.Zero(t, e.usage(space))

	// Bytes uploaded but not yet copied by finalize go with the object.
	uploaded := e.createObject(user(alice), space, "u", content).Object
	uploadKey := e.object(uploaded.ID).UploadKey
	e.gcs.CreateObject(fakestorage.Object{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: testBucket, Name: uploadKey}, Content: content})
	require.Equal(t, http.StatusNoContent, e.call(user(alice), "DELETE", string("/objects/"+uploaded.ID), nil).Status)
	_, ok = e.stored(uploadKey)
	require.False(t, ok, "the uploaded bytes are gone")

	pid := e.newProject(alice, map[string]project.Role{viewer: project.Viewer})
	shared := e.upload(user(alice), "projects/"+pid, "s", content)
	e.call(user(viewer), "DELETE", "/objects/"+string(shared.ID), nil).RequireError(t, http.StatusForbidden, apperr.PermissionDenied, "")
}
