package job

import (
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/ids"
)

func TestObjectNamesRoundTrip(t *testing.T) {
	require.Equal(t, "jobs/j_abc/workspace.tar", WorkspaceName("j_abc", 0))
	require.Equal(t, "jobs/j_abc/w3/workspace.tar", WorkspaceName("j_abc", 3))
	for _, n := range []int64{0, 1, 12} {
		id, kind, epoch, ok := ParseObjectName(WorkspaceName("j_abc", n))
		require.True(t, ok)
		require.Equal(t, "j_abc", id)
		require.Equal(t, WorkspaceKind, kind)
		require.Equal(t, n, epoch)
	}
	for _, k := range []Kind{OutputKind, AttestationKind} {
		name := ArtifactName("j_abc", k, 7)
		require.Equal(t, "jobs/j_abc/e7/"+k.fileName(), name)
		id, kind, epoch, ok := ParseObjectName(name)
		require.True(t, ok)
		require.Equal(t, "j_abc", id)
		require.Equal(t, k, kind)
		require.EqualValues(t, 7, epoch)
	}
	for _, name := range []string{"", "jobs/", "jobs/j_abc", "jobs//output.tar", "jobs/j_abc/other.tar", "x/j_abc/output.tar",
		"jobs/a/b/output.tar", "jobs/j_abc/output.tar", "jobs/j_abc/e0/output.tar", "jobs/j_abc/e-1/output.tar",
		"jobs/j_abc/e01/output.tar", "jobs/j_abc/e1/workspace.tar", "jobs/j_abc/e1/output.tar/x", "jobs/j_abc/e+1/output.tar",
		"jobs/j_abc/w0/workspace.tar", "jobs/j_abc/w01/workspace.tar", "jobs/j_abc/w1/output.tar", "jobs/j_abc/w/workspace.tar",
		"jobs/j_abc/w1/workspace.tar/x", "jobs/j_abc/x1/workspace.tar"} {
		_, _, _, ok := ParseObjectName(name)
		require.False(t, ok, name)
	}
}

func FuzzParseObjectName(f *testing.F) {
	f.Add("jobs/j_abc/workspace.tar")
	f.Add("jobs/j_abc/e3/output.tar")
	f.Add("jobs/j_abc/w2/workspace.tar")
	f.Fuzz(func(t *testing.T, name string) {
		id, kind, epoch, ok := ParseObjectName(name)
		if !ok {
			return
		}
		if kind == WorkspaceKind {
			require.Equal(t, name, WorkspaceName(ids.JobID(id), epoch))
		} else {
			require.Equal(t, name, ArtifactName(ids.JobID(id), kind, epoch))
		}
	})
}
