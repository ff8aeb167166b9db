package job

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestObjectNameRoundTrips(t *testing.T) {
	for _, k := range []Kind{WorkspaceKind, OutputKind, AttestationKind} {
		id, kind, ok := ParseObjectName(ObjectName("j_abc", k))
		require.True(t, ok)
		require.Equal(t, "j_abc", id)
		require.Equal(t, k, kind)
	}
	for _, name := range []string{"", "jobs/", "jobs/j_abc", "jobs//output.tar", "jobs/j_abc/other.tar", "x/j_abc/output.tar", "jobs/a/b/output.tar"} {
		_, _, ok := ParseObjectName(name)
		require.False(t, ok, name)
	}
}

func FuzzParseObjectName(f *testing.F) {
	f.Add("jobs/j_abc/output.tar")
	f.Fuzz(func(t *testing.T, name string) {
		if id, kind, ok := ParseObjectName(name); ok {
			require.Equal(t, name, ObjectName(id, kind))
		}
	})
}
