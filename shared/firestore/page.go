package firestore

import (
	"encoding/base64"
	"encoding/json"

	"valet.dev/valet/shared/apperr"
)

// Paging is the same in every store: a page size from 1 to the domain's
// maximum (0 meaning its default), a bound on how many ids a work list
// returns, and a page token that is the cursor after the previous page as
// base64 JSON, opaque to callers.

// pageSize is n, or def when n is 0: Invalid unless 1 <= n <= most.
func pageSize(n, def, most int) (int, error) {
	if n == 0 {
		return def, nil
	}
	if n < 1 || n > most {
		return 0, apperr.E(apperr.Invalid, "pageSize must be between 1 and %d, not %d", most, n)
	}
	return n, nil
}

// checkLimit refuses (Invalid) a limit outside 1 to most.
func checkLimit(limit, most int) error {
	if limit < 1 || limit > most {
		return apperr.E(apperr.Invalid, "limit must be between 1 and %d, not %d", most, limit)
	}
	return nil
}

func encodeToken(v any) string {
	b, _ := json.Marshal(v) // cursors always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeToken reads a token encodeToken made into v: errBadToken for any
// other.
func decodeToken(token string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return errBadToken
	}
	return nil
}

// errBadToken answers a page token this store did not issue.
var errBadToken = apperr.E(apperr.Invalid, "pageToken is not valid; pass the nextPageToken of the previous page")
