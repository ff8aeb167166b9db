package secretmanager

import (
	"encoding/base64"
	"hash/crc32"
	"math"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	// maxPageSize is the real service's cap on page_size.
	maxPageSize = 25000
	// defaultPageSize is used when page_size is 0 ("the server decides").
	defaultPageSize = 1000
)

// pager holds one list call's page size and position. Listings are sorted by
// a key that decreases down the list (creation sequence for secrets, version
// number for versions); a page token carries the last key returned, so pages
// stay consistent while items are added. Tokens are bound to the request's
// parent and filter.
type pager struct {
	size   int
	before uint64 // only items with a key below this are listed
	bind   string
}

func newPager(parent, filter string, pageSize int32, token string) (pager, error) {
	if pageSize < 0 {
		return pager{}, status.Error(codes.InvalidArgument, "page_size must not be negative")
	}
	p := pager{size: defaultPageSize, before: math.MaxUint64, bind: bindingOf(parent, filter)}
	if pageSize > 0 {
		p.size = int(min(pageSize, maxPageSize))
	}
	if token == "" {
		return p, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	bind, key, ok := strings.Cut(string(raw), ":")
	before, perr := strconv.ParseUint(key, 10, 64)
	if err != nil || !ok || perr != nil || bind != p.bind {
		return pager{}, status.Error(codes.InvalidArgument, "invalid page_token: it must come from a previous call with the same parent and filter")
	}
	p.before = before
	return p, nil
}

// next returns the token for the page after the item with key last.
func (p pager) next(last uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(p.bind + ":" + strconv.FormatUint(last, 10)))
}

// take returns the page of items, listed by decreasing key, that follows
// the page token's position, and the token of the page after it ("" when
// no item is left).
func take[T any](p pager, items []T, key func(T) uint64) (page []T, next string) {
	var last uint64
	for _, item := range items {
		k := key(item)
		if k >= p.before {
			continue
		}
		if len(page) == p.size {
			return page, p.next(last)
		}
		page = append(page, item)
		last = k
	}
	return page, ""
}

func bindingOf(parent, filter string) string {
	return strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(parent+"\x00"+filter))), 16)
}
