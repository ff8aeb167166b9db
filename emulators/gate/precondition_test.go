package gate

import (
	"net/http"
	"strconv"
	"testing"

	"cloud.google.com/go/storage"
	"github.com/stretchr/testify/require"
)

// TestGenerationMatchZeroWritesOnce shows a URL signed with
// x-goog-if-generation-match: 0 creates the object once: replaying it
// answers 412 and leaves the first bytes in place, as Cloud Storage does.
func TestGenerationMatchZeroWritesOnce(t *testing.T) {
	f := newFixture(t)
	const name = "jobs/j1/output.tar"
	putURL := f.sign(t, http.MethodPut, name, func(o *storage.SignedURLOptions) {
		o.Headers = []string{GenerationMatchHeader + ":0"}
	})
	header := http.Header{"X-Goog-If-Generation-Match": {"0"}}

	res := f.do(t, http.MethodPut, putURL, header, []byte("first"))
	require.Equal(t, http.StatusOK, res.StatusCode)

	res = f.do(t, http.MethodPut, putURL, header, []byte("second"))
	require.Equal(t, http.StatusPreconditionFailed, res.StatusCode)
	require.Equal(t, CodePreconditionFailed, readXMLError(t, res).Code)

	obj, err := f.fake.GetObject(testBucket, name)
	require.NoError(t, err)
	require.Equal(t, []byte("first"), obj.Content, "the refused write changed nothing")

	// Matching the current generation allows an overwrite.
	gen := obj.Generation
	require.NotZero(t, gen)
	matchURL := f.sign(t, http.MethodPut, name, func(o *storage.SignedURLOptions) {
		o.Headers = []string{GenerationMatchHeader + ":" + itoa(gen)}
	})
	res = f.do(t, http.MethodPut, matchURL, http.Header{"X-Goog-If-Generation-Match": {itoa(gen)}}, []byte("third"))
	require.Equal(t, http.StatusOK, res.StatusCode)

	// Without the signed header, the header cannot be dropped: the
	// signature covers it.
	res = f.do(t, http.MethodPut, putURL, nil, []byte("fourth"))
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	obj, err = f.fake.GetObject(testBucket, name)
	require.NoError(t, err)
	require.Equal(t, []byte("third"), obj.Content)
}

func TestGenerationMatchMalformed(t *testing.T) {
	f := newFixture(t)
	putURL := f.sign(t, http.MethodPut, "o", func(o *storage.SignedURLOptions) {
		o.Headers = []string{GenerationMatchHeader + ":abc"}
	})
	res := f.do(t, http.MethodPut, putURL, http.Header{"X-Goog-If-Generation-Match": {"abc"}}, []byte("x"))
	require.Equal(t, http.StatusBadRequest, res.StatusCode)
	require.False(t, f.stored("o"))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
