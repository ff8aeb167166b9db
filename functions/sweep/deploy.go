package sweep

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
	objects, err := d.Objects(ctx)
	if err != nil {
		return Options{}, err
	}
	secrets, err := d.Custody(ctx)
	if err != nil {
		return Options{}, err
	}
	auth, err := d.ServiceAuth(ctx)
	if err != nil {
		return Options{}, err
	}
	opts := Options{Store: d.Jobs(), Objects: objects, Secrets: secrets, Bucket: d.Env.JobsBucket, Authenticate: auth}
	if d.Env.ObjectsBucket != "" {
		opts.ObjectStore, opts.ObjectsBucket, opts.Projects = d.ObjectStore(), d.Env.ObjectsBucket, d.Projects()
	}
	return opts, nil
}
