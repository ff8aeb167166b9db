package dispatch

import (
	"context"
	"net/http"

	"valet.dev/valet/shared/authn"
	"valet.dev/valet/shared/config"
)

// Deploy builds the function from a deployment's dependencies (see package
// config for the variables): what Cloud Functions runs (init registers it
// through config.Deployed) and what the local stack mounts.
func Deploy(ctx context.Context, d *config.Deps) (http.Handler, error) {
	opts, err := options(ctx, d)
	if err != nil {
		return nil, err
	}
	return New(opts), nil
}

// options builds the function's Options from d.
func options(ctx context.Context, d *config.Deps) (Options, error) {
	sign, err := d.Signer(ctx)
	if err != nil {
		return Options{}, err
	}
	auth, err := d.ServiceAuth(ctx, authn.RefuseStripped)
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
		JobTokens: jobTokens, Authenticate: auth, Audit: d.Audit()}, nil
}
