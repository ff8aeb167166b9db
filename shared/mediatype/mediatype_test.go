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

func TestCheckMD5(t *testing.T) {
	for _, ok := range []string{"", "1B2M2Y8AsgTpgAmY7PhCfg=="} {
		require.NoError(t, CheckMD5("md5", ok), ok)
	}
	for _, bad := range []string{"abc", "1B2M2Y8AsgTpgAmY7PhCfg", "1B2M2Y8AsgTpgAmY7PhCfg=", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", "1B2M2Y8AsgTpgAmY7PhCfh=="} {
		err := CheckMD5("workspace.md5", bad)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), "%q", bad)
		require.Contains(t, err.Error(), "workspace.md5", bad)
	}
}
