package httpapi

import (
	"net/url"
	"strconv"

	"valet.dev/valet/shared/apperr"
)

// MaxPageTokenBytes bounds a pageToken parameter. Page tokens are what a
// list answered as nextPageToken: unpadded base64url, far shorter.
const MaxPageTokenBytes = 1024

// Page is the paging of one list request.
type Page struct {
	Size  int    // 1 to the route's maximum
	Token string // "" for the first page; the store checks what it holds
}

// ParsePage reads the pageSize and pageToken parameters of a list route,
// the one rule every list follows: pageSize absent means def, otherwise it
// must be an integer from 1 to max (0 included, it is refused like any
// other size out of range); pageToken is at most MaxPageTokenBytes of
// base64url. Anything else is Invalid with a message naming the parameter.
func ParsePage(q url.Values, def, max int) (Page, error) {
	p := Page{Size: def, Token: q.Get("pageToken")}
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > max {
			return Page{}, apperr.E(apperr.Invalid, "pageSize must be an integer from 1 to %d, got %s", max, apperr.Quote(v))
		}
		p.Size = n
	}
	if len(p.Token) > MaxPageTokenBytes {
		return Page{}, apperr.E(apperr.Invalid, "pageToken is longer than %d bytes; pass the nextPageToken of the previous page", MaxPageTokenBytes)
	}
	for i := 0; i < len(p.Token); i++ {
		if c := p.Token[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return Page{}, apperr.E(apperr.Invalid, "pageToken is not valid; pass the nextPageToken of the previous page")
		}
	}
	return p, nil
}
