package objects

import (
	"context"
	"net/http"

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
		AllowedOrigins: d.Env.AllowedOrigins, Audit: d.Audit(), AuditLog: d.AuditStore(),
	}, nil
}
