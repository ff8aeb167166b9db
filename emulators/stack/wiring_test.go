package stack_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"valet.dev/valet/emulators/stack"
	"valet.dev/valet/functions/console"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/terraform/policy"
)

// TestStackDeploysWhatTerraformDeploys shows the stack builds every
// function as a deployment does: from an environment of the variables
// Terraform sets (plus the local ones package config documents), through
// config.Load and config.Build into the Deploy that Cloud Functions runs;
// and that every function has a front door policy in invokers.json.
func TestStackDeploysWhatTerraformDeploys(t *testing.T) {
	s := startStackWith(t, stack.Options{SweepEvery: -1})
	var tf []byte
	files, err := filepath.Glob("../../terraform/*.tf")
	require.NoError(t, err)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		tf = append(tf, b...)
	}
	terraformSets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+((?:VALET|GOOGLE)_[A-Z_]+)\s+=`).FindAllSubmatch(tf, -1) {
		terraformSets[string(m[1])] = true
	}
	localOnly := map[string]bool{config.EnvSignerKeyFile: true, config.EnvIAMCredentials: true, config.EnvSignedURLBase: true, config.EnvServiceIssuers: true, config.EnvServiceJWKSURL: true, console.EnvStorageOrigin: true}

	for k := range localOnly {
		require.False(t, terraformSets[k], "terraform/ sets %s, which only the local stack may set (it points a function at local stand-ins)", k)
	}

	invokers := policy.LoadInvokers()
	require.ElementsMatch(t, invokers.Functions(), stack.FunctionNames, "every function has a front door in invokers.json")
	for _, name := range stack.FunctionNames {
		vars, err := s.Environment(name)
		require.NoError(t, err)
		for k := range vars {
			require.True(t, terraformSets[k] || localOnly[k], "%s: the stack sets %s, which terraform/ never sets", name, k)
		}
		env, err := config.Load(func(k string) string { return vars[k] })
		require.NoError(t, err, name)
		require.Equal(t, s.Info.Functions[name], env.FunctionURL, "%s's audience is its URL", name)
		if name == console.Name {
			_, err := console.LoadConfig(t.Context(), func(k string) string { return vars[k] })
			require.NoError(t, err, "the console's environment is complete")
			continue // served on its own origin, not mounted on the dev server
		}
		require.NotNil(t, s.Function(name), name)
	}
}
