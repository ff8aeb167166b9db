package job_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/job"
)

func TestCheckSpecAcceptsWhatTheSchemaDescribes(t *testing.T) {
	for _, raw := range []string{
		`{}`,
		`{"image":"example/wc"}`,
		`{"image":"us-docker.pkg.dev/p/r/img@sha256:abc","command":["sh","-c","make test"]}`,
		`{"command":["make"],"env":{"GOFLAGS":"-mod=mod","_x":""},"resources":{"cpu":0.5,"memoryMiB":512,"gpu":0}}`,
	} {
		var spec map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &spec))
		require.NoError(t, job.CheckSpec(spec), raw)
	}
	// The CLI's example (the README's demo) matches.
	b, err := os.ReadFile("../../cmd/valet/example/spec.json")
	require.NoError(t, err)
	var example map[string]any
	require.NoError(t, json.Unmarshal(b, &example))
	require.NoError(t, job.CheckSpec(example))
}

func TestCheckSpecNamesTheField(t *testing.T) {
	for raw, want := range map[string]string{
		`{"comand":["make"]}`:               "spec: additional properties 'comand' not allowed",
		`{"command":"make test"}`:           "spec.command: got string, want array",
		`{"command":[]}`:                    "spec.command: minItems",
		`{"command":["make",1]}`:            "spec.command[1]: got number, want string",
		`{"command":["make",""]}`:           "spec.command[1]: minLength",
		`{"image":""}`:                      "spec.image: minLength",
		`{"image":"two words"}`:             "spec.image: ",
		`{"image":7}`:                       "spec.image: got number, want string",
		`{"env":{"VALET_JOB_TOKEN":"x"}}`:   "spec.env",
		`{"env":{"DW_WORKFLOW_TOKEN":"x"}}`: "spec.env",
		`{"env":{"1X":"x"}}`:                "spec.env",
		`{"env":{"X":1}}`:                   "spec.env.X: got number, want string",
		`{"resources":{"cpu":0}}`:           "spec.resources.cpu",
		`{"resources":{"memoryMiB":1.5}}`:   "spec.resources.memoryMiB",
		`{"resources":{"disk":1}}`:          "spec.resources: additional properties 'disk' not allowed",
	} {
		var spec map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &spec))
		err := job.CheckSpec(spec)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), raw)
		msg := apperr.From(err).Message
		require.True(t, strings.HasPrefix(msg, strings.SplitN(want, ":", 2)[0]), "%s: %s", raw, msg)
		require.Contains(t, msg, want, raw)
		require.Contains(t, msg, job.SpecSchemaURL)
	}
	long := map[string]any{"env": map[string]any{"VALET_" + strings.Repeat("k", 5000): "x"}}
	msg := apperr.From(job.CheckSpec(long)).Message
	require.Less(t, len(msg), 400, "keys are not echoed whole: %s", msg)
	require.True(t, strings.HasPrefix(msg, "spec.env.VALET_kkk"), msg)
}

// FuzzCheckSpec: any JSON object is accepted or refused as Invalid, never
// with another error or a panic.
func FuzzCheckSpec(f *testing.F) {
	for _, seed := range []string{`{}`, `{"image":"x","command":["a"]}`, `{"comand":1}`, `{"env":{"VALET_X":"1"}}`,
		`{"resources":{"cpu":-1,"gpu":1e400}}`, `{"labels":{"":""}}`, `{"command":[["a"]]}`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var spec map[string]any
		if json.Unmarshal([]byte(raw), &spec) != nil || spec == nil {
			return
		}
		if err := job.CheckSpec(spec); err != nil {
			require.Equal(t, apperr.Invalid, apperr.CodeOf(err))
		}
	})
}
