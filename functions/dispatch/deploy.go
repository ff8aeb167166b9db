package dispatch

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
	auth, err := d.ServiceAuth(ctx)
	if err != nil {
		return Options{}, err
	}
	secrets, err := d.Custody(ctx)
	if err != nil {
		return Options{}, err
	}
	minter, err := d.WorkflowMinter(ctx)
	if err != nil {
		return Options{}, err
	}
	jobTokens, err := d.JobTokenIssuer(ctx)
	if err != nil {
		return Options{}, err
	}
	return Options{Store: d.Jobs(), Signer: sign, Bucket: d.Env.JobsBucket, Secrets: secrets, Workflow: minter,
		JobTokens: jobTokens, Authenticate: auth}, nil
}
