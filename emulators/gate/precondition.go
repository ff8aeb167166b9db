package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// GenerationMatchHeader is Cloud Storage's write precondition: the write
// succeeds only if the object's current generation equals its value, "0"
// meaning the object must not exist. fake-gcs-server ignores it, so the gate
// enforces it.
const GenerationMatchHeader = "x-goog-if-generation-match"

// CodePreconditionFailed is Cloud Storage's 412 answer to a failed
// precondition.
const CodePreconditionFailed = "PreconditionFailed"

// preconditions checks x-goog-if-generation-match against the upstream and
// holds writes to one gate in sequence, so the check and the write are one
// step as they are in Cloud Storage.
type preconditions struct {
	mu        sync.Mutex
	upstream  *url.URL
	transport http.RoundTripper
}

// check returns nil when r carries no generation precondition or when it
// holds. The caller holds p.mu until the write is done.
func (p *preconditions) check(ctx context.Context, r *http.Request) error {
	want, found := headerValues(r.Header, GenerationMatchHeader)
	if !found {
		return nil
	}
	gen, err := strconv.ParseInt(strings.TrimSpace(want), 10, 64)
	if err != nil || gen < 0 {
		return invalidArgument("%s must be a generation number, not %q.", GenerationMatchHeader, clip(want))
	}
	current, err := p.generation(ctx, r.URL.EscapedPath())
	if err != nil {
		return err
	}
	if current != gen {
		return &Error{Status: http.StatusPreconditionFailed, Code: CodePreconditionFailed,
			Message: "At least one of the pre-conditions you specified did not hold.",
			Details: fmt.Sprintf("%s is %d; the object's generation is %d (0: absent).", GenerationMatchHeader, gen, current)}
	}
	return nil
}

// generation returns the current generation of the object at escapedPath
// (/<bucket>/<object>) upstream, 0 when it does not exist.
func (p *preconditions) generation(ctx context.Context, escapedPath string) (int64, error) {
	bucket, object, _ := strings.Cut(strings.TrimPrefix(escapedPath, "/"), "/")
	name, err := url.PathUnescape(object)
	if err != nil {
		return 0, invalidArgument("The object name is not a valid escaped path.")
	}
	u := *p.upstream
	u.Path = "/storage/v1/b/" + bucket + "/o/" + name
	u.RawPath = "/storage/v1/b/" + bucket + "/o/" + url.PathEscape(name)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, err
	}
	resp, err := p.transport.RoundTrip(req)
	if err != nil {
		return 0, &Error{Status: http.StatusBadGateway, Code: "BadGateway", Message: "The storage emulator behind the gate did not answer.", Details: err.Error()}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return 0, nil
	}
	var meta struct {
		Generation string `json:"generation"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&meta) != nil {
		return 0, &Error{Status: http.StatusBadGateway, Code: "BadGateway", Message: "The storage emulator behind the gate gave no object metadata.", Details: resp.Status}
	}
	gen, err := strconv.ParseInt(meta.Generation, 10, 64)
	if err != nil {
		return 0, &Error{Status: http.StatusBadGateway, Code: "BadGateway", Message: "The storage emulator gave an unreadable generation.", Details: clip(meta.Generation)}
	}
	return gen, nil
}
