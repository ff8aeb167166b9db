package privategcs

import (
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

// Requests are counted by the class Cloud Storage bills them as.
func TestOperationClasses(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         Operations
	}{
		{"PUT", "/bucket/jobs/j_1/workspace", Operations{ClassA: 1}},                     // XML upload
		{"POST", "/upload/storage/v1/b/bucket/o", Operations{ClassA: 1}},                 // JSON upload
		{"POST", "/storage/v1/b/bucket/o/a/copyTo/b/bucket/o/b", Operations{ClassA: 1}},  // copy
		{"GET", "/storage/v1/b/bucket/o", Operations{ClassA: 1}},                         // JSON listing
		{"GET", "/bucket", Operations{ClassA: 1}},                                        // XML listing
		{"GET", "/bucket/jobs/j_1/output", Operations{ClassB: 1}},                        // XML download
		{"HEAD", "/bucket/jobs/j_1/output", Operations{ClassB: 1}},                       // XML metadata
		{"GET", "/storage/v1/b/bucket/o/jobs%2Fj_1%2Foutput", Operations{ClassB: 1}},     // JSON metadata
		{"DELETE", "/storage/v1/b/bucket/o/jobs%2Fj_1%2Fworkspace", Operations{Free: 1}}, // delete
		{"OPTIONS", "/bucket/jobs/j_1/workspace", Operations{}},                          // CORS preflight
	} {
		var c counters
		c.count(httptest.NewRequest(tc.method, tc.path, nil))
		got := Operations{ClassA: c.classA.Load(), ClassB: c.classB.Load(), Free: c.free.Load()}
		require.Equal(t, tc.want, got, "%s %s", tc.method, tc.path)
	}
}
