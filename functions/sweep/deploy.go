package sweep

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
	objects, err := d.Objects(ctx)
	if err != nil {
		return Options{}, err
	}
	secrets, err := d.Custody(ctx)
	if err != nil {
		return Options{}, err
	}
	auth, err := d.ServiceAuth(ctx, authn.AcceptStripped)
	if err != nil {
		return Options{}, err
	}
	opts := Options{Store: d.Jobs(), Objects: objects, Secrets: secrets, Bucket: d.Env.JobsBucket, Authenticate: auth, Migrations: d.Migrations()}
	if d.Env.ObjectsBucket != "" {
		opts.ObjectStore, opts.ObjectsBucket, opts.Projects = d.ObjectStore(), d.Env.ObjectsBucket, d.Projects()
	}
	return opts, nil
}
