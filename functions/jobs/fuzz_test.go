package jobs

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fuzz targets send what a client chooses through the real handler to
// the Firestore emulator, so that odd values reach the stores, not only the
// parsers: any 5xx (or a request the store retries until the caller gives
// up, which apitest's client bound turns into a failure) is a finding.
// Without -fuzz they run their seeds as ordinary tests, under `valet-dev
// exec` like every emulator-backed test.

// FuzzCreateBody sends arbitrary bodies to POST /jobs: every answer is a
// 201 with a job or a 4xx ErrorBody, never a 5xx.
func FuzzCreateBody(f *testing.F) {
	e := newEnv(f)
	alice := e.newUser("fuzz")
	for _, seed := range []string{
		`{"spec":{"image":"alpine"},"workspace":{"sizeBytes":10}}`,
		`{"spec":{"a":[1,[2]]},"workspace":{"sizeBytes":10,"md5":"1B2M2Y8AsgTpgAmY7PhCfg=="}}`,
		`{"spec":{"__x__":1},"workspace":{"sizeBytes":-1,"contentType":"a/b; c=d"}}`,
		`{"spec":{"n":1e400},"timeoutSeconds":86400,"labels":{"a":"b"}}`,
		`{"spec":{},"workspace":{"sizeBytes":0},"project":"proj-1","runtimeToken":"x","reuse":true}`,
		`{"spec":{"":{"":null}},"workspace":{}}`,
		`[]`, `null`, ``, `{"spec":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := alice.Do(t, e.URL, "POST", "/jobs", string(body))
		require.Less(t, r.Status, 500, "body %q answered %s", body, r.Body)
		var v map[string]any
		require.NoError(t, json.Unmarshal(r.Body, &v))
		if r.Status == http.StatusCreated {
			require.Contains(t, v, "job")
			require.Contains(t, v, "upload")
		} else {
			require.Contains(t, v, "error")
		}
	})
}

// FuzzCreateSpec puts arbitrary JSON where the spec goes, so that odd specs
// reach the store: each is stored and read back, or refused with a 4xx.
func FuzzCreateSpec(f *testing.F) {
	e := newEnv(f)
	alice := e.newUser("fuzzspec")
	for _, seed := range []string{
		`{"a.b":{"c` + "`" + `d":[1,2.5,"x",true,null,{"e":[]}]}}`,
		`{"__":1,"_x_":"y","é":"\u0000"}`,
		`{"n":-9223372036854775808,"m":18446744073709551616,"f":1e-400}`,
		`{"a":[[]]}`, `{}`, `[1]`, `"s"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		body := `{"spec":` + spec + `,"workspace":{"sizeBytes":1}}`
		r := alice.Do(t, e.URL, "POST", "/jobs", body)
		require.Less(t, r.Status, 500, "spec %q answered %s", spec, r.Body)
		if r.Status != http.StatusCreated {
			return
		}
		var out createAnswer
		r.Decode(t, http.StatusCreated, &out)
		var stored map[string]any
		alice.Do(t, e.URL, "GET", "/jobs/"+out.Job.ID, nil).Decode(t, http.StatusOK, &stored)
		require.Equal(t, out.Job.SpecHash, stored["specHash"])
	})
}

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
			alice.Probe(t, e.URL, "GET", path, nil)
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
			alice.Probe(t, e.URL, route[0], route[1], nil)
		}
	})
}
