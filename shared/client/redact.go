package client

import (
	"errors"
	"fmt"
	"net/url"
)

// redactURL drops the URL from a *url.Error: a signed URL's query is a
// capability and must not reach an error message or a log.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s to storage: %w", ue.Op, ue.Err)
	}
	return err
}
