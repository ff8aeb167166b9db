package objects

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	valetfs "valet.dev/valet/shared/firestore"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/httpapi/apitest"
	"valet.dev/valet/shared/ids"
)

// cursor is a page token as a client could forge it: base64url JSON.
func cursor(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }

// TestListObjectsRefusesWhatFirestoreCannotTake: every list parameter
// that reaches Firestore is checked first and answered 400 at once. A
// prefix that is not UTF-8 used to reach the query, which the client
// retried until the caller gave up; pageSize=0 used to mean the default
// here while job lists refused it.
func TestListObjectsRefusesWhatFirestoreCannotTake(t *testing.T) {
	e := newEnv(t, 0)
	alice := unique("alice")
	space := "users/" + alice
	e.upload(user(alice), space, "docs/a.txt", []byte("a"))
	list := "/spaces/" + space + "/objects?"
	for query, want := range map[string]string{
		"pageSize=0":                          "pageSize must be an integer from 1 to 1000",
		"pageSize=1001":                       "pageSize must be an integer from 1 to 1000",
		"prefix=%FF":                          "prefix",
		"prefix=docs%2F%C3":                   "not valid UTF-8",
		"prefix=a%00b":                        "control character U+0000",
		"prefix=%E2%80%AEtxt":                 "bidirectional control U+202E",
		"prefix=a%E2%80%A8":                   "line separator U+2028",
		"prefix=" + strings.Repeat("p", 1025): "at most 1024",
		"pageToken=%FF":                       "pageToken is not valid",
		"pageToken=" + cursor(`{"n":"\u0000","i":"`+string(ids.NewObjectID())+`"}`): "pageToken is not valid",
		"pageToken=" + cursor(`{"n":"a","i":"`+strings.Repeat("x", 600)+`"}`):       "pageToken is not valid",
		"pageToken=" + cursor(`{"n":"","i":""}`):                                    "pageToken is not valid",
	} {
		e.call(user(alice), "GET", list+query, nil).RequireError(t, http.StatusBadRequest, apperr.Invalid, want)
	}
	var page objectsAnswer
	e.call(user(alice), "GET", list+"prefix="+url.QueryEscape("docs/")+"&pageSize=1000", nil).Decode(t, http.StatusOK, &page)
	require.Len(t, page.Objects, 1)
}

// TestStoreDeadlineAnswers503: a store call that reaches its deadline is
// answered 503 with a message and Retry-After, never held and never 500.
// The stores here get a deadline nothing can meet.
func TestStoreDeadlineAnswers503(t *testing.T) {
	apitest.DiscardLogs(t)
	e := newEnv(t, 0, valetfs.CallTimeout(time.Nanosecond))
	alice := unique("alice")
	for _, path := range []string{"/spaces", "/spaces/users/" + alice + "/objects", "/objects/" + string(ids.NewObjectID())} {
		r := e.call(user(alice), "GET", path, nil)
		require.Equal(t, http.StatusServiceUnavailable, r.Status, "%s: %s", path, r.Body)
		require.Equal(t, httpapi.RetryAfterSeconds, r.Header.Get("Retry-After"), path)
		require.Contains(t, string(r.Body), "did not answer in time", path)
	}
}
