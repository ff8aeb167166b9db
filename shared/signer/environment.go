package signer

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"cloud.google.com/go/compute/metadata"
	iamcredentials "google.golang.org/api/iamcredentials/v1"
	"google.golang.org/api/option"
)

// signBlobTimeout bounds one IAM signBlob call (Upload and Download take no
// context).
const signBlobTimeout = 10 * time.Second

// NewFromEnvironment returns New(opts) when opts carries a PrivateKey or
// SignBytes. Otherwise, as on Cloud Functions, it signs as the runtime's own
// service account without any key file:
//   - GoogleAccessID, when empty, is the default service account's email
//     from the metadata server;
//   - SignBytes calls IAM Credentials signBlob for that account with the
//     Application Default Credentials.
//
// The account needs roles/iam.serviceAccountTokenCreator on ITSELF
// (iam.serviceAccounts.signBlob), granted in Terraform. Each signed URL then
// costs one signBlob call, bounded by a 10 s timeout. iamOpts configure the
// IAM Credentials client (the local stack points it at its stand-in,
// emulators/iamcredentials).
func NewFromEnvironment(ctx context.Context, opts Options, iamOpts ...option.ClientOption) (*Signer, error) {
	return newFromEnvironment(ctx, opts, metadata.EmailWithContext, iamOpts...)
}

// newFromEnvironment is NewFromEnvironment with the metadata lookup and the
// IAM client options injectable for tests.
func newFromEnvironment(ctx context.Context, opts Options, email func(context.Context, string) (string, error), iamOpts ...option.ClientOption) (*Signer, error) {
	if len(opts.PrivateKey) > 0 || opts.SignBytes != nil {
		return New(opts)
	}
	if opts.GoogleAccessID == "" {
		id, err := email(ctx, "default")
		if err != nil {
			return nil, fmt.Errorf("signer: no key given and the service account email is not available from the metadata server: %w", err)
		}
		if id == "" {
			return nil, errors.New("signer: the metadata server returned an empty service account email")
		}
		opts.GoogleAccessID = id
	}
	svc, err := iamcredentials.NewService(ctx, iamOpts...)
	if err != nil {
		return nil, fmt.Errorf("signer: IAM Credentials client: %w", err)
	}
	opts.SignBytes = signBlob(svc, opts.GoogleAccessID)
	return New(opts)
}

// signBlob signs through IAM Credentials as the account email.
func signBlob(svc *iamcredentials.Service, email string) func([]byte) ([]byte, error) {
	name := "projects/-/serviceAccounts/" + email
	return func(b []byte) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), signBlobTimeout)
		defer cancel()
		resp, err := svc.Projects.ServiceAccounts.SignBlob(name, &iamcredentials.SignBlobRequest{
			Payload: base64.StdEncoding.EncodeToString(b),
		}).Context(ctx).Do()
		if err != nil {
			return nil, fmt.Errorf("IAM signBlob as %s (needs roles/iam.serviceAccountTokenCreator on itself): %w", email, err)
		}
		sig, err := base64.StdEncoding.DecodeString(resp.SignedBlob)
		if err != nil {
			return nil, fmt.Errorf("IAM signBlob answered a signature that is not base64: %w", err)
		}
		return sig, nil
	}
}
