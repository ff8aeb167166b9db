package secretmanager

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/apperr"
)

// QuotaRetryAfter is how long a caller is told to wait when Secret Manager
// refuses a call over the project's quota: the quotas are per minute
// ("Secret Manager quotas and limits",
// https://cloud.google.com/secret-manager/quotas), so a minute always
// brings new quota.
const QuotaRetryAfter = time.Minute

// Error maps a Secret Manager error to an *apperr.Error, keeping the cause
// for the log only; what says what valet was doing. It is the one place
// gRPC codes from Secret Manager become valet's codes: ResourceExhausted
// (a quota is spent) is Unavailable with RetryAfter QuotaRetryAfter;
// Unavailable, Aborted, a deadline and cancellation are Unavailable;
// anything else is Internal. Callers that give NotFound or
// FailedPrecondition a meaning of their own check for those first, as
// valueError does for a job's secret values.
func Error(err error, what string) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return apperr.Wrap(err, apperr.Unavailable, "%s: secret manager did not answer in time; retry later", what)
	}
	switch status.Code(err) {
	case codes.ResourceExhausted:
		return &apperr.Error{Code: apperr.Unavailable, Cause: err, RetryAfter: QuotaRetryAfter,
			Message: what + ": secret manager is over its request quota; retry in a minute"}
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted:
		return apperr.Wrap(err, apperr.Unavailable, "%s: secret manager unavailable; retry later", what)
	case codes.Canceled:
		return apperr.Wrap(err, apperr.Unavailable, "%s: canceled", what)
	default:
		return apperr.Wrap(err, apperr.Internal, "%s", what)
	}
}

// valueError is Error for a job's secret value: a missing secret or
// version and a version that cannot be read any more (disabled or
// destroyed: FailedPrecondition) are NotFound.
func valueError(err error, what string) error {
	if gone(err) {
		return apperr.Wrap(err, apperr.NotFound, "%s: no such secret value (never stored, or already scrubbed)", what)
	}
	return Error(err, what)
}

// gone reports whether err says there is nothing left to read, destroy or
// delete.
func gone(err error) bool {
	c := status.Code(err)
	return c == codes.NotFound || c == codes.FailedPrecondition
}
