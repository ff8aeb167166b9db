package client

import (
	"net/url"
	"strconv"
)

func setQuery(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

// setPage sets the paging parameters every list takes (0 and "": the
// server's defaults).
func setPage(q url.Values, pageSize int, pageToken string) {
	if pageSize != 0 {
		q.Set("pageSize", strconv.Itoa(pageSize))
	}
	setQuery(q, "pageToken", pageToken)
}

func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
