package secretmanager

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestParseFilter(t *testing.T) {
	fields := map[string]string{
		"name":        "projects/p/secrets/job-1-workflow",
		"labels.job":  "j1",
		"labels.kind": "workflow",
	}
	cases := map[string]bool{
		"":                                       true,
		"labels.job=j1":                          true,
		"labels.job = j1":                        true,
		`labels.job="j1"`:                        true,
		"labels.job=j2":                          false,
		"labels.job=J1":                          false,
		"labels.job:j":                           true,
		"labels.job:*":                           true,
		"labels.owner:*":                         false,
		"labels.owner=x":                         false,
		"labels.owner!=x":                        true,
		"labels:kind":                            true,
		"labels:owner":                           false,
		"labels:*":                               true,
		"name:workflow":                          true,
		"name=job-1-workflow":                    true,
		"name=projects/p/secrets/job-1-workflow": true,
		"name=job-1":                             false,
		"labels.job=j1 labels.kind=runtime":      false,
		"labels.job=j2 OR labels.kind=workflow":  true,
		// OR binds tighter than AND.
		"labels.job=j1 AND labels.kind=x OR labels.kind=workflow": true,
		"NOT labels.job=j1":                false,
		"-labels.job=j2":                   true,
		"-(labels.job=j2 OR name:nothing)": true,
		"((labels.job=j1))":                true,
	}
	for text, want := range cases {
		t.Run(text, func(t *testing.T) {
			f, err := parseFilter(text, secretFields)
			require.NoError(t, err)
			require.Equal(t, want, f.matches(fields))
		})
	}
}

func TestParseFilterRejects(t *testing.T) {
	bad := []string{
		"labels.job", "labels.job=", "labels.job<1", "labels.job>=1", "create_time>2020",
		"labels=j1", "labels.=x", "state:ENABLED", "(labels.job=j1", "labels.job=j1)",
		"AND labels.job=j1", "labels.job=j1 OR", `labels.job="j1`, "NOT", "=x",
		strings.Repeat("(", maxFilterDepth+1) + "name:x" + strings.Repeat(")", maxFilterDepth+1),
	}
	for _, text := range bad {
		t.Run(text, func(t *testing.T) {
			_, err := parseFilter(text, secretFields)
			require.Error(t, err)
			require.Equal(t, codes.InvalidArgument, status.Code(err))
		})
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{"labels.job=j1", "NOT (name:a OR -labels:b) AND labels.x!=\"y\"", "((", "state:ENABLED"} {
		f.Add(seed)
	}
	fields := map[string]string{"name": "projects/p/secrets/s", "labels.job": "j1", "state": "ENABLED"}
	f.Fuzz(func(t *testing.T, text string) {
		for _, set := range []fieldSet{secretFields, versionFields} {
			flt, err := parseFilter(text, set)
			if err != nil {
				require.Equal(t, codes.InvalidArgument, status.Code(err))
				continue
			}
			flt.matches(fields)
		}
	})
}
