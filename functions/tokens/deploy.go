package tokens

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
	auth, err := d.UserAuth(ctx)
	if err != nil {
		return Options{}, err
	}
	keys, err := d.WorkflowKeys(ctx)
	if err != nil {
		return Options{}, err
	}
	return Options{Tokens: d.APITokens(), Authenticate: auth, JWKS: keys.JWKS, AllowedOrigins: d.Env.AllowedOrigins}, nil
}
