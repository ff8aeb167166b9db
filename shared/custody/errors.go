package custody

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/secretmanager"
)

// smError maps a Secret Manager error to an apperr (see
// secretmanager.Error). A missing secret or version and a version that
// cannot be read any more (disabled or destroyed: FailedPrecondition) are
// NotFound.
func smError(err error, what string) error {
	switch status.Code(err) {
	case codes.NotFound, codes.FailedPrecondition:
		return apperr.Wrap(err, apperr.NotFound, "%s: no such secret value (never stored, or already scrubbed)", what)
	}
	return secretmanager.Error(err, what)
}
