package secretmanager

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestParseVersionName(t *testing.T) {
	got, err := parseVersionName("projects/123/secrets/s_1-x/versions/42")
	require.NoError(t, err)
	require.Equal(t, versionName{secret: secretName{project: "123", secret: "s_1-x"}, number: 42}, got)
	require.Equal(t, "projects/123/secrets/s_1-x/versions/42", got.String())

	latest, err := parseVersionName("projects/example.com:proj/secrets/s/versions/latest")
	require.NoError(t, err)
	require.True(t, latest.isLatest())

	for _, bad := range []string{
		"", "projects/p/secrets/s/versions/0", "projects/p/secrets/s/versions/+1",
		"projects/p/secrets/s/versions/99999999999999999999", "projects//secrets/s/versions/1",
		"projects/p/secrets//versions/1", "projects/p/keys/s/versions/1",
	} {
		_, err := parseVersionName(bad)
		require.Equal(t, codes.InvalidArgument, status.Code(err), bad)
	}
}

func FuzzParseVersionName(f *testing.F) {
	for _, seed := range []string{"projects/p/secrets/s/versions/1", "projects/p/secrets/s/versions/latest", "projects/p/locations/l/secrets/s"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		v, err := parseVersionName(name)
		if err != nil {
			code := status.Code(err)
			require.True(t, code == codes.InvalidArgument || code == codes.Unimplemented, "code %v", code)
			return
		}
		// A parsed name prints back to itself.
		require.Equal(t, name, v.String())
	})
}
