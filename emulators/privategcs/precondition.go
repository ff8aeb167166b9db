package privategcs

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// preconditionError is a refusal, answered in the API's error format.
type preconditionError struct {
	status  int
	reason  string // JSON API reason
	code    string // XML API code
	message string
}

func failed(detail string) *preconditionError {
	return &preconditionError{status: http.StatusPreconditionFailed, reason: "conditionNotMet", code: "PreconditionFailed",
		message: "At least one of the pre-conditions you specified did not hold. " + detail}
}

func invalid(detail string) *preconditionError {
	return &preconditionError{status: http.StatusBadRequest, reason: "invalid", code: "InvalidArgument", message: detail}
}

// copyVerbs separate a copy's source from its destination in a JSON API path.
var copyVerbs = []string{"/rewriteTo/b/", "/copyTo/b/"}

// The preconditions the server enforces, by name.
const (
	queryGenerationMatch    = "ifGenerationMatch"
	queryGenerationNotMatch = "ifGenerationNotMatch"
	headerGenerationMatch   = "x-goog-if-generation-match"
)

// check enforces the preconditions of a write; the caller holds the lock.
func (s *Server) check(r *http.Request) *preconditionError {
	path := r.URL.EscapedPath()
	if r.Method == http.MethodPost && strings.HasPrefix(path, "/storage/v1/b/") {
		for _, verb := range copyVerbs {
			if _, dst, ok := strings.Cut(path, verb); ok {
				return s.checkCopy(r.URL.Query(), dst)
			}
		}
	}
	if r.Method == http.MethodPut && !strings.HasPrefix(path, "/upload/") && !strings.HasPrefix(path, "/storage/") {
		return s.checkXMLPut(r.Header, path)
	}
	return nil
}

// checkCopy checks a copyTo or rewriteTo whose destination is dst
// ("<bucket>/o/<escaped object>").
func (s *Server) checkCopy(q url.Values, dst string) *preconditionError {
	for key := range q {
		if strings.HasPrefix(key, "if") && key != queryGenerationMatch && key != queryGenerationNotMatch {
			return invalid("The local storage emulator does not enforce " + key + "; only ifGenerationMatch and ifGenerationNotMatch.")
		}
	}
	bucket, escaped, ok := strings.Cut(dst, "/o/")
	if !ok {
		return nil // fake-gcs-server answers a malformed path
	}
	name, err := url.PathUnescape(escaped)
	if err != nil {
		return invalid("The destination object name is not a valid escaped path.")
	}
	return s.compare(bucket, name, q.Get(queryGenerationMatch), q.Get(queryGenerationNotMatch))
}

// checkXMLPut checks a path-style XML API PUT (/<bucket>/<object>).
func (s *Server) checkXMLPut(h http.Header, path string) *preconditionError {
	for name := range h {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-goog-if-") && lower != headerGenerationMatch {
			return invalid("The local storage emulator does not enforce " + lower + "; only " + headerGenerationMatch + ".")
		}
	}
	want := h.Get(headerGenerationMatch)
	if want == "" {
		return nil
	}
	bucket, escaped, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		return nil
	}
	name, err := url.PathUnescape(escaped)
	if err != nil {
		return invalid("The object name is not a valid escaped path.")
	}
	return s.compare(bucket, name, want, "")
}

// compare checks the live generation of bucket/name (0: absent) against
// match and notMatch, each empty when not asked.
func (s *Server) compare(bucket, name, match, notMatch string) *preconditionError {
	if match == "" && notMatch == "" {
		return nil
	}
	var current int64
	if obj, err := s.fake.GetObject(bucket, name); err == nil {
		current = obj.Generation
	}
	if match != "" {
		want, err := strconv.ParseInt(strings.TrimSpace(match), 10, 64)
		if err != nil || want < 0 {
			return invalid("The generation precondition " + strconv.Quote(match) + " is not a generation number.")
		}
		if want != current {
			return failed("The destination's generation is " + strconv.FormatInt(current, 10) + " (0: absent), not " + strconv.FormatInt(want, 10) + ".")
		}
	}
	if notMatch != "" {
		unwanted, err := strconv.ParseInt(strings.TrimSpace(notMatch), 10, 64)
		if err != nil || unwanted < 0 {
			return invalid("The generation precondition " + strconv.Quote(notMatch) + " is not a generation number.")
		}
		if unwanted == current { // Cloud Storage answers 304 here, not 412
			return &preconditionError{status: http.StatusNotModified, reason: "notModified", code: "NotModified",
				message: "The destination's generation is " + strconv.FormatInt(current, 10) + "."}
		}
	}
	return nil
}
