package mediatype

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
)

func TestCheck(t *testing.T) {
	for _, ok := range []string{"application/x-tar", "image/png", "text/plain; charset=utf-8", "application/vnd.api+json"} {
		require.NoError(t, Check("contentType", ok, "image/png"), ok)
	}
	for _, bad := range []string{"", "tar", "a/b/c", "/x", "x/", "a/b\n", "a/é", strings.Repeat("a", 250) + "/bbbbbbb", "a/b; =x"} {
		err := Check("contentType", bad, "image/png")
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%q", bad)
		require.Contains(t, err.Error(), "contentType")
	}
}
