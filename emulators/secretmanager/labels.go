package secretmanager

import (
	"regexp"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The real service's rules for labels and annotations (see Secret in
// resources.proto).
var (
	labelKeyPattern      = regexp.MustCompile(`^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$`)
	labelValuePattern    = regexp.MustCompile(`^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$`)
	annotationKeyPattern = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?$`)
)

const (
	maxLabels          = 64
	maxLabelBytes      = 128
	maxAnnotationBytes = 16 * 1024
)

func validateLabels(labels map[string]string) error {
	if len(labels) > maxLabels {
		return status.Errorf(codes.InvalidArgument, "a secret may carry at most %d labels, got %d", maxLabels, len(labels))
	}
	for k, v := range labels {
		if len(k) > maxLabelBytes || !labelKeyPattern.MatchString(k) {
			return status.Errorf(codes.InvalidArgument,
				"invalid label key %q: 1 to 63 lowercase letters, digits, '_' or '-', starting with a lowercase letter", k)
		}
		if len(v) > maxLabelBytes || !labelValuePattern.MatchString(v) {
			return status.Errorf(codes.InvalidArgument,
				"invalid value for label %q: up to 63 lowercase letters, digits, '_' or '-'", k)
		}
	}
	return nil
}

func validateAnnotations(annotations map[string]string) error {
	total := 0
	for k, v := range annotations {
		if !annotationKeyPattern.MatchString(k) {
			return status.Errorf(codes.InvalidArgument,
				"invalid annotation key %q: 1 to 63 characters, alphanumeric at both ends, with '-', '_' or '.' between", k)
		}
		total += len(k) + len(v)
	}
	if total >= maxAnnotationBytes {
		return status.Errorf(codes.InvalidArgument, "annotations total %d bytes; they must stay below %d", total, maxAnnotationBytes)
	}
	return nil
}
