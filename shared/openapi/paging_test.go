package openapi

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/audit"
	"valet.dev/valet/shared/job"
	"valet.dev/valet/shared/object"
)

// TestPageSizesMatchTheRules: every list's pageSize parameter names the
// bounds and the default the domain package enforces for that list, so a
// change of a limit in code without its document (or the reverse) fails
// here. The contract check cannot see a documented maximum above the
// code's: the function refusing a size the document allows is a
// documented 400, not a mismatch.
func TestPageSizesMatchTheRules(t *testing.T) {
	doc := load(t, Document())
	lists := map[string]struct{ def, max int }{
		"GET /jobs":                          {job.DefaultPageSize, job.MaxPageSize},
		"GET /jobs/{id}/events":              {job.DefaultPageSize, job.MaxPageSize},
		"GET /spaces/{kind}/{owner}/objects": {object.DefaultPageSize, object.MaxPageSize},
		"GET /spaces/{kind}/{owner}/audit":   {audit.DefaultPageSize, audit.MaxPageSize},
	}
	found := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			p := op.Parameters.GetByInAndName("query", "pageSize")
			where := method + " " + path
			want, listed := lists[where]
			if p == nil {
				require.False(t, listed, "%s lists without a pageSize parameter", where)
				continue
			}
			require.True(t, listed, "%s has a pageSize parameter this test does not know", where)
			found++
			s := p.Schema.Value
			require.NotNil(t, s.Min, where)
			require.Equal(t, 1.0, *s.Min, "%s: the smallest page", where)
			require.NotNil(t, s.Max, where)
			require.Equal(t, float64(want.max), *s.Max, "%s: the largest page", where)
			require.Equal(t, fmt.Sprintf("1 to %d; %d when absent", want.max, want.def), p.Description, where)
		}
	}
	require.Equal(t, len(lists), found)
}
