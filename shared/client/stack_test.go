package client

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadStack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stack.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"functions":{"jobs":"http://h/jobs"},"issuer":"http://i","dispatchers":["d@x"],"extra":1}`), 0o644))
	t.Setenv("VALET_STACK", path)
	s, err := LoadStack("")
	require.NoError(t, err)
	u, err := s.Function("jobs")
	require.NoError(t, err)
	require.Equal(t, "http://h/jobs", u)
	_, err = s.Function("dispatch")
	require.ErrorContains(t, err, "make dev")

	_, err = LoadStack(filepath.Join(t.TempDir(), "missing.json"))
	require.ErrorContains(t, err, "start the local stack with `make dev`")
}

func TestStackPath(t *testing.T) {
	t.Setenv("VALET_STACK", "")
	require.Equal(t, DefaultStackPath, StackPath(""))
	t.Setenv("VALET_STACK", "/x.json")
	require.Equal(t, "/x.json", StackPath(""))
	require.Equal(t, "/y.json", StackPath("/y.json"))
}
