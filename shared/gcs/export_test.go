package gcs

import (
	"time"

	"github.com/googleapis/gax-go/v2"
)

// FastRetries makes c's retries wait a millisecond, so tests of retrying
// do not sleep for the production backoff.
func FastRetries(c *Client) {
	c.retry.backoff = func() gax.Backoff { return gax.Backoff{Initial: time.Millisecond, Max: time.Millisecond} }
}
