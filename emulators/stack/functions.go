package stack

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/functions/console"
	"valet.dev/valet/functions/dispatch"
	"valet.dev/valet/functions/finalize"
	"valet.dev/valet/functions/jobs"
	"valet.dev/valet/functions/objects"
	"valet.dev/valet/functions/sweep"
	"valet.dev/valet/functions/tokens"
	"valet.dev/valet/shared/apperr"
	"valet.dev/valet/shared/config"
	"valet.dev/valet/shared/httpapi"
	"valet.dev/valet/shared/secretmanager"
)

// deployable is one function as a deployment knows it: its name (entry
// point) and the Deploy its package exports, which Cloud Functions runs
// through config.Deployed.
type deployable struct {
	name   string
	deploy func(context.Context, *config.Deps) (http.Handler, error)
}

// deployables are the functions the stack deploys, in FunctionNames order.
var deployables = []deployable{
	{jobs.Name, jobs.Deploy}, {objects.Name, objects.Deploy}, {tokens.Name, tokens.Deploy},
	{dispatch.Name, dispatch.Deploy}, {finalize.Name, finalize.Deploy}, {sweep.Name, sweep.Deploy},
}

// FunctionNames lists every function of the stack: the dev server mounts
// the deployables, and the console has a listener (an origin) of its own.
var FunctionNames = func() []string {
	names := make([]string, 0, len(deployables)+1)
	for _, d := range deployables {
		names = append(names, d.name)
	}
	return append(names, console.Name)
}()

// WorkflowAudience is the aud of the dev stack's workflow tokens.
const WorkflowAudience = config.DefaultWorkflowAudience

// TokenIssuer is the iss of the stack's workflow and job tokens: the
// tokens function, whose JWKS verifies them.
func (s *Stack) TokenIssuer() string { return s.Info.Functions[tokens.Name] }

// Environment is the deployment environment of the named function on this
// stack: the variables terraform/functions.tf sets on it, pointed at the
// stack, plus the local ones package config documents (signed URLs to the
// gate, the dev issuer standing for Google). The emulators are reached
// through the *_EMULATOR_HOST variables the stack sets on its process.
func (s *Stack) Environment(name string) (map[string]string, error) {
	callers, err := s.serviceCallers(name)
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		config.EnvProject:         s.opts.Project,
		config.EnvJobsBucket:      s.Info.Buckets.Jobs,
		config.EnvObjectsBucket:   s.Info.Buckets.Objects,
		config.EnvUserIssuers:     fmt.Sprintf(`[{"url":%q,"audiences":[%q],"jwksUrl":%q}]`, s.Info.Issuer, s.Info.Audience, s.Info.Issuer+oidc.JWKSPath),
		config.EnvFunctionURL:     s.Info.Functions[name],
		config.EnvServiceAccounts: strings.Join(callers, ","),
		config.EnvSignerEmail:     s.SignerEmail,
		config.EnvIAMCredentials:  s.iamEndpoint,
		config.EnvTokenIssuer:     s.TokenIssuer(),
		config.EnvWorkflowAud:     WorkflowAudience,
		config.EnvSignedURLBase:   s.Info.Storage,
		config.EnvServiceIssuers:  s.Info.Issuer,
		config.EnvServiceJWKSURL:  s.Info.Issuer + oidc.JWKSPath,
		config.EnvAllowedOrigins:  strings.Join(s.opts.AllowedOrigins, ","),
	}
	if s.opts.SpaceQuotaBytes > 0 {
		env[config.EnvSpaceQuota] = strconv.FormatInt(s.opts.SpaceQuotaBytes, 10)
	}
	if name == console.Name {
		maps.Copy(env, s.consoleEnvironment())
	}
	return env, nil
}

// deploy builds every function as a deployment does: its Environment
// through config.Load and config.Build into the Deploy its package
// exports, each wrapped in the contract checker. It first does what the deployment's bootstrap does: a first
// workflow signing key. The functions sign URLs as deployed, through
// signBlob (the stack's IAM Credentials stand-in), without a key file.
func (s *Stack) deploy(ctx context.Context) (map[string]http.Handler, error) {
	if err := s.rotateWorkflowKey(ctx); err != nil {
		return nil, err
	}
	handlers := map[string]http.Handler{}
	for _, fn := range deployables {
		vars, err := s.Environment(fn.name)
		if err != nil {
			return nil, err
		}
		env, err := config.Load(func(k string) string { return vars[k] })
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn.name, err)
		}
		d, err := config.BuildMetered(ctx, env, config.Meters{Firestore: &s.meters.firestore, OnSign: func() { s.meters.signs.Add(1) }})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn.name, err)
		}
		s.onStop(d.Close)
		h, err := fn.deploy(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn.name, err)
		}
		if handlers[fn.name], err = s.contract.Wrap(fn.name, h); err != nil {
			return nil, err
		}
	}
	return handlers, nil
}

// rotateWorkflowKey adds the first workflow signing key, as the
// deployment's bootstrap does, so the JWKS has a key from the start.
func (s *Stack) rotateWorkflowKey(ctx context.Context) error {
	sm, err := secretmanager.NewClient(ctx)
	if err != nil {
		return err
	}
	defer sm.Close()
	if _, err := secretmanager.NewSigningKeys(sm, s.opts.Project, "").Rotate(ctx); err != nil {
		return fmt.Errorf("workflow signing key: %w", err)
	}
	return nil
}

// Function is the named function's handler as deployed, without the front
// door: tests use it to show what the function itself refuses.
func (s *Stack) Function(name string) http.Handler { return s.handlers[name] }

func (s *Stack) startFunctions(ctx context.Context) error {
	l, url, err := listen(s.opts.Ports.Functions)
	if err != nil {
		return err
	}
	for _, name := range FunctionNames {
		if name != console.Name {
			s.Info.Functions[name] = url + "/" + name
		}
	}
	if s.handlers, err = s.deploy(ctx); err != nil {
		l.Close()
		return err
	}
	guarded := map[string]http.Handler{}
	for name, h := range s.handlers {
		if guarded[name], err = s.guard(name, s.invoked(name, h)); err != nil {
			l.Close()
			return err
		}
	}
	s.serve(l, Mount(guarded))
	return nil
}

// Mount serves each handler under /<name>/ with the prefix stripped, so
// each function sees the paths it would see deployed alone.
func Mount(handlers map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for name, h := range handlers {
		mux.Handle("/"+name+"/", http.StripPrefix("/"+name, h))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// WriteError marshals the message, so any path (quotes,
		// backslashes, control characters, invalid UTF-8) gives valid JSON.
		httpapi.WriteError(w, r, apperr.E(apperr.NotFound, "no function at %q; functions are mounted at /<name>/ (%s)",
			r.URL.Path, strings.Join(FunctionNames, ", ")))
	})
	return mux
}
