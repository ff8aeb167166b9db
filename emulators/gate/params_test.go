package gate

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseCredential(t *testing.T) {
	email, scope, err := parseCredential("a@b.iam.gserviceaccount.com/20190201/auto/storage/goog4_request", "20190201T090000Z")
	require.NoError(t, err)
	require.Equal(t, "a@b.iam.gserviceaccount.com", email)
	require.Equal(t, "20190201/auto/storage/goog4_request", scope)

	for _, bad := range []string{
		"",
		"a@b/20190201/auto/storage",
		"/20190201/auto/storage/goog4_request",
		"a@b/20190202/auto/storage/goog4_request", // not the day of X-Goog-Date
		"a@b/2019021/auto/storage/goog4_request",
		"a@b/20190201/us-east1/storage/goog4_request",
		"a@b/20190201/auto/s3/goog4_request",
		"a@b/20190201/auto/storage/aws4_request",
		"a@b/x/20190201/auto/storage/goog4_request",
	} {
		_, _, err := parseCredential(bad, "20190201T090000Z")
		require.Equal(t, CodeMalformedSecurityHeader, ErrorCode(err), bad)
	}
}

// requireParse checks that parse turns good into want and refuses each of
// bad with code.
func requireParse[T any](t *testing.T, parse func(string) (T, error), good string, want T, code string, bad ...string) {
	t.Helper()
	got, err := parse(good)
	require.NoError(t, err)
	require.Equal(t, want, got)
	for _, b := range bad {
		_, err := parse(b)
		require.Equal(t, code, ErrorCode(err), b)
	}
}

func TestParseExpires(t *testing.T) {
	requireParse(t, parseExpires, "604800", 7*24*time.Hour, CodeMalformedSecurityHeader,
		"0", "-1", "+5", "1.5", "1e3", " 5", "99999999999999999999")
	require.Equal(t, CodeInvalidArgument, ErrorCode(func() error { _, err := parseExpires("604801"); return err }()))
}

func TestParseSignedHeaders(t *testing.T) {
	requireParse(t, parseSignedHeaders, "content-type;host;x-goog-content-length-range",
		[]string{"content-type", "host", "x-goog-content-length-range"}, CodeMalformedSecurityHeader,
		"", "content-type", "host;content-type", "host;host", "Host", "host;;x", "host;a b")
}

func TestParseLengthRange(t *testing.T) {
	requireParse(t, parseLengthRange, " 0, 1048576 ", LengthRange{Min: 0, Max: 1048576}, CodeInvalidArgument,
		"", "5", "5,", ",5", "6,5", "-1,5", "a,b", "1,2,3")
}

func TestDuplicateAuthParameterIsMalformed(t *testing.T) {
	params, err := parseQuery("X-Goog-Expires=10&x-goog-expires=604800&X-Goog-Signature=ab")
	require.NoError(t, err)
	_, _, err = lookup(params, paramExpires)
	require.Equal(t, CodeMalformedSecurityHeader, ErrorCode(err))
}

func TestRawSemicolonRefused(t *testing.T) {
	_, err := parseQuery("a=1;b=2")
	require.Equal(t, CodeInvalidArgument, ErrorCode(err))
}

func TestCanonicalQueriesOrderings(t *testing.T) {
	params, err := parseQuery("z=1&X-Goog-Signature=ff&%C3%A9=2&a=3&a=0")
	require.NoError(t, err)
	require.Equal(t, []string{
		"a=3&a=0&z=1&%C3%A9=2", // Go client: by decoded name, repeated values in URL order
		"%C3%A9=2&a=3&a=0&z=1", // documented: by encoded name
	}, canonicalQueries(params))
}

func TestCanonicalPath(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "/",
		"/b/o":                 "/b/o",
		"/b//o":                "/b//o",
		"/b/a%20b+c%26d~e":     "/b/a%20b%2Bc%26d~e",
		"/b/%E2%82%AC":         "/b/%E2%82%AC",
		"/b/already%2Fslashed": "/b/already/slashed",
	} {
		got, err := canonicalPath(in)
		require.NoError(t, err)
		require.Equal(t, want, got, in)
	}
	_, err := canonicalPath("/b/%zz")
	require.Equal(t, CodeInvalidArgument, ErrorCode(err))
}

func TestHeaderValuesCanonical(t *testing.T) {
	h := http.Header{"X-Multi": {"  a   b ", "\tc"}, "x-multi": {"d"}}
	v, found := headerValues(h, "x-multi")
	require.True(t, found)
	require.Equal(t, "a b,c,d", v)
	_, found = headerValues(h, "x-absent")
	require.False(t, found)
}
