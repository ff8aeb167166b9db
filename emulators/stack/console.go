package stack

import (
	"context"
	"fmt"
	"slices"

	"valet.dev/valet/functions/console"
)

// reserveConsole opens the console's own listener before anything else is
// built. As deployed, the console is a function with a URL of its own, so
// the browser path crosses origins locally too; and its URL is the first
// allowed CORS origin of the buckets (the gate) and of the API.
func (s *Stack) reserveConsole() error {
	l, url, err := listen(s.opts.Ports.Console)
	if err != nil {
		return err
	}
	s.consoleListener = l
	s.onStop(func() { _ = l.Close() })
	s.Info.Functions[console.Name] = url
	s.opts.AllowedOrigins = append([]string{url}, slices.DeleteFunc(slices.Clone(s.opts.AllowedOrigins), func(o string) bool { return o == url || o == "" })...)
	return nil
}

// consoleEnvironment is what terraform/functions.tf sets on the console
// (local.console_env), pointed at the stack, plus the local storage origin
// (signed URLs point at the gate, not storage.googleapis.com). The issuer's
// endpoints are left to discovery, as deployed.
func (s *Stack) consoleEnvironment() map[string]string {
	return map[string]string{
		console.EnvJobsURL:       s.Info.Functions["jobs"],
		console.EnvObjectsURL:    s.Info.Functions["objects"],
		console.EnvTokensURL:     s.Info.Functions["tokens"],
		console.EnvIssuer:        s.Info.Issuer,
		console.EnvClientID:      Audience,
		console.EnvStorageOrigin: s.Info.Storage,
	}
}

// startConsole deploys the console from its environment through the path
// Cloud Functions runs (console.Deploy); the dev issuer knows it as the
// OAuth client of the users' audience, with its callback page as the only
// redirect URI.
func (s *Stack) startConsole(ctx context.Context) error {
	url := s.Info.Functions[console.Name]
	s.Issuer.RegisterClient(Audience, url+"/callback.html")
	vars, err := s.Environment(console.Name)
	if err != nil {
		return err
	}
	h, err := console.Deploy(ctx, func(k string) string { return vars[k] })
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	checked, err := s.contract.Wrap(console.Name, h)
	if err != nil {
		return err
	}
	s.serve(s.consoleListener, checked)
	return nil
}
