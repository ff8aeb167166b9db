package policy

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFilesParse(t *testing.T) {
	c := LoadCORS()
	require.Contains(t, c.Buckets.ResponseHeaders, "x-goog-if-generation-match",
		"create-only upload URLs require this header; a preflight asking for it must pass")
	require.Positive(t, c.Buckets.MaxAgeSeconds)
	require.Contains(t, c.API.RequestHeaders, "Authorization")

	inv := LoadInvokers()
	require.ElementsMatch(t, []string{"console", "dispatch", "finalize", "jobs", "objects", "sweep", "tokens"}, inv.Functions())
	require.True(t, inv.Public("jobs"))
	require.False(t, inv.Public("dispatch"))
	require.False(t, inv.Public("sweep"))
	require.False(t, inv.Public("finalize"))
}
