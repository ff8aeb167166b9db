package signer

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/terraform/policy"
)

// TestBoundHeadersAreInBucketCORS: a browser sends every header a URL binds
// and its preflight asks for each one; Cloud Storage refuses the preflight
// when one is missing from the bucket's responseHeader list (Cloud Storage,
// "Cross-origin resource sharing"). So every header any upload or download
// URL can require, with every option set, must be in the "buckets" rules of
// terraform/policy/cors.json, which Terraform puts on the buckets, and the
// methods must be listed.
func TestBoundHeadersAreInBucketCORS(t *testing.T) {
	rules := policy.LoadCORS().Buckets
	s := newTestSigner(t)
	upload, err := s.Upload("valet-jobs", "jobs/j1/workspace.tar", UploadOptions{
		ContentType: "application/x-tar", MinBytes: 1, MaxBytes: 10, MD5: "1B2M2Y8AsgTpgAmY7PhCfg==", TTL: time.Minute, CreateOnly: true,
	})
	require.NoError(t, err)
	download, err := s.Download("valet-jobs", "jobs/j1/workspace.tar", DownloadOptions{
		TTL: time.Minute, ContentDisposition: `attachment; filename="w.tar"`, ContentType: "application/x-tar",
	})
	require.NoError(t, err)

	require.Len(t, upload.Headers, 4, "a new bound header must be checked here and added to cors.json")
	for _, u := range []URL{upload, download} {
		require.Contains(t, rules.Methods, u.Method)
		for name := range u.Headers {
			require.True(t, containsFold(rules.ResponseHeaders, name),
				"a %s URL binds %s, which terraform/policy/cors.json's buckets.responseHeaders lacks: every browser preflight would fail", u.Method, name)
		}
	}
	require.True(t, containsFold(rules.ResponseHeaders, HeaderIfGenerationMatch))
	require.Contains(t, rules.Methods, http.MethodHead)
}

func containsFold(list []string, name string) bool {
	for _, h := range list {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}
