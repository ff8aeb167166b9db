package jobs

import (
	"net/url"
	"strings"
	"testing"

	"valet.dev/valet/shared/httpapi/apitest"
)

// The fuzz targets below send what a client chooses through the real
// handler to the Firestore emulator, so that odd values reach the stores,
// not only the parsers: any 5xx (or a request the store retries until the
// caller gives up, which apitest's client bound turns into a failure) is a
// finding. Without -fuzz they run their seeds as ordinary tests, under
// `valet-dev exec` like every emulator-backed test.

// FuzzListQuery sends arbitrary values of every parameter of GET /jobs and
// GET /jobs/{id}/events.
func FuzzListQuery(f *testing.F) {
	e := newEnv(f)
	alice := e.newUser("fuzzlist")
	id := e.createJob(alice, nil).Job.ID
	f.Add("", "", "", "")
	f.Add("proj-1", "QUEUED", "0", "")
	f.Add("P1", "queued", "101", "%ff")
	f.Add("\xff", "\x00", "-1", "eyJjIjoiMDAwMC0wMS0wMVQwMDowMDowMFoiLCJpIjoiaiJ9")
	f.Add(strings.Repeat("a", 64), "SUCCEEDED", "1e3", "eyJjIjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJpIjoiXHhmZiJ9")
	f.Add("abc", "RUNNING", "50", `Ii0xIg`)
	f.Fuzz(func(t *testing.T, project, state, pageSize, pageToken string) {
		q := url.Values{}
		for k, v := range map[string]string{"project": project, "state": state, "pageSize": pageSize, "pageToken": pageToken} {
			if v != "" {
				q.Set(k, v)
			}
		}
		for _, path := range []string{"/jobs?" + q.Encode(), "/jobs/" + id + "/events?" + q.Encode()} {
			apitest.RequireClientAnswer(t, apitest.Do(t, e.srv.URL, alice.Token, "GET", path, nil), path)
		}
	})
}

// FuzzJobPaths puts an arbitrary segment where every job route takes an
// id.
func FuzzJobPaths(f *testing.F) {
	e := newEnv(f)
	alice := e.newUser("fuzzpath")
	f.Add(e.createJob(alice, nil).Job.ID)
	for _, seed := range []string{"j_", "..", "j_aaaaaaaaaaaaaaaaaaaaaaaaaa", "\xff", "__x__", strings.Repeat("j", 1600), "a/b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, id string) {
		seg := "/jobs/" + url.PathEscape(id)
		for _, route := range [][2]string{
			{"GET", seg}, {"POST", seg + "/upload"}, {"POST", seg + "/cancel"},
			{"GET", seg + "/output"}, {"GET", seg + "/attestation"}, {"GET", seg + "/events"},
		} {
			apitest.RequireClientAnswer(t, apitest.Do(t, e.srv.URL, alice.Token, route[0], route[1], nil), route[0]+" "+route[1])
		}
	})
}
