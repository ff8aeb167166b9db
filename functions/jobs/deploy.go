package jobs

import (
	"context"

	"valet.dev/valet/shared/config"
)

// fromEnvironment builds the deployed function's Options (see package config
// for the variables).
func fromEnvironment(ctx context.Context) (Options, error) {
	d, err := config.FromEnvironment(ctx)
	if err != nil {
		return Options{}, err
	}
	sign, err := d.Signer(ctx)
	if err != nil {
		return Options{}, err
	}
	auth, err := d.UserAuthenticator(ctx)
	if err != nil {
		return Options{}, err
	}
	secrets, err := d.Custody(ctx)
	if err != nil {
		return Options{}, err
	}
	return Options{Store: d.Jobs(), Signer: sign, Bucket: d.Env.JobsBucket, Authenticate: auth.Authenticate,
		VerifyRuntime: auth.Verify, Projects: d.Projects(), Secrets: secrets, AllowedOrigins: d.Env.AllowedOrigins}, nil
}
