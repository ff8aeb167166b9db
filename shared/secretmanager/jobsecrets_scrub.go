package secretmanager

import (
	"context"
	"errors"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/iterator"

	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/custody"
	"valet.dev/valet/shared/ids"
	"valet.dev/valet/shared/job"
)

// Scrub deletes job j's secrets, and with them every version of their
// values: one DeleteSecret a secret, so one write request for a job of
// the per-job layout, two for one of the per-kind layout. Absent secrets
// are fine, so Scrub is idempotent; it tries every secret and returns the
// first error.
//
// Deleting a secret deletes all of its versions at once and for good
// ("Delete a secret",
// https://cloud.google.com/secret-manager/docs/delete-secrets: "how to
// delete a secret and all of its versions"; a deleted secret answers Not
// Found), so no version is destroyed first.
func (s *JobSecrets) Scrub(ctx context.Context, j *job.Job) error {
	if j == nil {
		return apperr.E(apperr.Invalid, "no job given to scrub")
	}
	if _, err := ids.ParseJobID(j.ID.String()); err != nil {
		return err
	}
	secretIDs := []string{JobSecretID(j.ID.String())}
	if j.SecretLayout != job.SecretsPerJob {
		secretIDs = []string{SecretID(j.ID.String(), custody.RuntimeToken), SecretID(j.ID.String(), custody.WorkflowToken)}
	}
	var first error
	for _, id := range secretIDs {
		err := s.client.DeleteSecret(ctx, &secretmanagerpb.DeleteSecretRequest{Name: secretName(s.project, id)})
		if err != nil && !gone(err) && first == nil {
			first = valueError(err, "scrubbing job "+j.ID.String()+"'s secret "+id)
		}
	}
	return first
}

// Held lists the resource names of job jobID's secrets that still exist,
// in either layout, for tests and operators.
func (s *JobSecrets) Held(ctx context.Context, jobID string) ([]string, error) {
	if _, err := ids.ParseJobID(jobID); err != nil {
		return nil, err
	}
	it := s.client.ListSecrets(ctx, &secretmanagerpb.ListSecretsRequest{
		Parent: "projects/" + s.project,
		Filter: "labels.job=" + jobID,
	})
	names := []string{}
	for {
		secret, err := it.Next()
		if errors.Is(err, iterator.Done) {
			return names, nil
		}
		if err != nil {
			return nil, valueError(err, "listing job "+jobID+" secrets")
		}
		names = append(names, secret.GetName())
	}
}
