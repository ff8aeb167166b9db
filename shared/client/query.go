package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// getPage GETs one page of the list at path into an L: filters are key,
// value pairs of the query (an empty value is left out), and the paging
// parameters are those every list takes (0 and "": the server's defaults).
func getPage[L any](ctx context.Context, c *Client, function, path string, pageSize int, pageToken string, filters ...string) (L, error) {
	q := url.Values{}
	for i := 0; i+1 < len(filters); i += 2 {
		setQuery(q, filters[i], filters[i+1])
	}
	if pageSize != 0 {
		q.Set("pageSize", strconv.Itoa(pageSize))
	}
	setQuery(q, "pageToken", pageToken)
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var out L
	_, err := c.call(ctx, http.MethodGet, function, path, nil, &out)
	return out, err
}

func setQuery(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
