package custody

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
)

// smError maps a Secret Manager error to an apperr, keeping the cause for
// the log only. A missing secret or version and a version that cannot be
// read any more (disabled or destroyed: FailedPrecondition) are NotFound.
func smError(err error, what string) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return apperr.Wrap(err, apperr.Unavailable, "%s: secret manager did not answer in time; retry later", what)
	}
	switch status.Code(err) {
	case codes.NotFound, codes.FailedPrecondition:
		return apperr.Wrap(err, apperr.NotFound, "%s: no such secret value (never stored, or already scrubbed)", what)
	case codes.Unavailable, codes.DeadlineExceeded, codes.ResourceExhausted, codes.Aborted:
		return apperr.Wrap(err, apperr.Unavailable, "%s: secret manager unavailable; retry later", what)
	case codes.Canceled:
		return apperr.Wrap(err, apperr.Unavailable, "%s: canceled", what)
	default:
		return apperr.Wrap(err, apperr.Internal, "%s", what)
	}
}
