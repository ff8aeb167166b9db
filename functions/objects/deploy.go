package objects

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
	if err := d.Env.NeedObjectsBucket(); err != nil {
		return Options{}, err
	}
	sign, err := d.Signer(ctx)
	if err != nil {
		return Options{}, err
	}
	auth, err := d.UserAuth(ctx)
	if err != nil {
		return Options{}, err
	}
	storage, err := d.Objects(ctx)
	if err != nil {
		return Options{}, err
	}
	return Options{
		Objects: d.ObjectStore(), Projects: d.Projects(), Storage: storage, Signer: sign,
		Bucket: d.Env.ObjectsBucket, QuotaBytes: d.Env.SpaceQuotaBytes, Authenticate: auth,
		AllowedOrigins: d.Env.AllowedOrigins,
	}, nil
}
