package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/httpapi"
)

// TestParsePage is the one paging rule of every list: absent pageSize is
// the route's default, 0 and every other size out of 1..max is a 400, and
// a pageToken is bounded base64url.
func TestParsePage(t *testing.T) {
	ok := map[string]httpapi.Page{
		"":                                       {Size: 10},
		"pageSize=1":                             {Size: 1},
		"pageSize=50&pageToken=aZ":               {Size: 50, Token: "aZ"},
		"pageToken=" + strings.Repeat("-_", 512): {Size: 10, Token: strings.Repeat("-_", 512)},
	}
	for query, want := range ok {
		q, err := url.ParseQuery(query)
		require.NoError(t, err)
		got, err := httpapi.ParsePage(q, 10, 50)
		require.NoError(t, err, query)
		require.Equal(t, want, got, query)
	}
	bad := map[string]string{
		"pageSize=0":                             `pageSize must be an integer from 1 to 50, got "0"`,
		"pageSize=-1":                            `pageSize must be an integer from 1 to 50, got "-1"`,
		"pageSize=51":                            `pageSize must be an integer from 1 to 50, got "51"`,
		"pageSize=1e1":                           `pageSize must be an integer from 1 to 50, got "1e1"`,
		"pageSize=%FF":                           `pageSize must be an integer from 1 to 50, got "\xff"`,
		"pageToken=a.b":                          "pageToken is not valid; pass the nextPageToken of the previous page",
		"pageToken=%FF":                          "pageToken is not valid; pass the nextPageToken of the previous page",
		"pageToken=" + strings.Repeat("a", 1025): "pageToken is longer than 1024 bytes; pass the nextPageToken of the previous page",
	}
	for query, want := range bad {
		q, err := url.ParseQuery(query)
		require.NoError(t, err)
		_, err = httpapi.ParsePage(q, 10, 50)
		require.Equal(t, apperr.Invalid, apperr.CodeOf(err), query)
		require.Equal(t, want, apperr.From(err).Message, query)
	}
}
