package custody

import (
	"context"
	"errors"
	"path"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/api/iterator"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"valet.dev/valet/shared/ids"
)

// Scrub destroys every version of job jobID's secrets and deletes the
// secrets. Absent secrets and versions are fine, so Scrub is idempotent; it
// tries every kind and returns the first error.
func (s *Store) Scrub(ctx context.Context, jobID string) error {
	if _, err := ids.ParseJobID(jobID); err != nil {
		return err
	}
	var first error
	for _, kind := range Kinds {
		if err := s.scrub(ctx, jobID, kind); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *Store) scrub(ctx context.Context, jobID string, kind Kind) error {
	name := s.secretName(jobID, kind)
	what := "scrubbing job " + jobID + " " + string(kind) + " secret"
	it := s.client.ListSecretVersions(ctx, &secretmanagerpb.ListSecretVersionsRequest{Parent: name})
	var first error
	for {
		v, err := it.Next()
		if errors.Is(err, iterator.Done) || status.Code(err) == codes.NotFound {
			break
		}
		if err != nil {
			return smError(err, what)
		}
		if v.GetState() == secretmanagerpb.SecretVersion_DESTROYED {
			continue
		}
		_, err = s.client.DestroySecretVersion(ctx, &secretmanagerpb.DestroySecretVersionRequest{Name: v.GetName()})
		if err != nil && !gone(err) && first == nil {
			first = smError(err, what+" (version "+path.Base(v.GetName())+")")
		}
	}
	if first != nil {
		return first // keep the secret so a retry finds what is left to destroy
	}
	if err := s.client.DeleteSecret(ctx, &secretmanagerpb.DeleteSecretRequest{Name: name}); err != nil && !gone(err) {
		return smError(err, what)
	}
	return nil
}

// gone reports whether err says there is nothing left to destroy or delete.
func gone(err error) bool {
	c := status.Code(err)
	return c == codes.NotFound || c == codes.FailedPrecondition
}

// Held lists the resource names of job jobID's secrets that still exist,
// for the sweep and for tests.
func (s *Store) Held(ctx context.Context, jobID string) ([]string, error) {
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
			return nil, smError(err, "listing job "+jobID+" secrets")
		}
		names = append(names, secret.GetName())
	}
}
