package jobs

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

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
		r := alice.Do(t, e.srv.URL, "POST", "/jobs", string(body))
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
		r := alice.Do(t, e.srv.URL, "POST", "/jobs", body)
		require.Less(t, r.Status, 500, "spec %q answered %s", spec, r.Body)
		if r.Status != http.StatusCreated {
			return
		}
		var out createAnswer
		r.Decode(t, http.StatusCreated, &out)
		var stored map[string]any
		alice.Do(t, e.srv.URL, "GET", "/jobs/"+out.Job.ID, nil).Decode(t, http.StatusOK, &stored)
		require.Equal(t, out.Job.SpecHash, stored["specHash"])
	})
}
