package stack

import (
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

// startConsole serves the console with the stack's function URLs, issuer
// and storage; the dev issuer knows it as the OAuth client of the users'
// audience, with its callback page as the only redirect URI.
func (s *Stack) startConsole() error {
	url := s.Info.Functions[console.Name]
	s.Issuer.RegisterClient(Audience, url+"/callback.html")
	d := s.Issuer.Discovery()
	h := console.New(console.Options{Config: console.Config{
		JobsURL:               s.Info.Functions["jobs"],
		ObjectsURL:            s.Info.Functions["objects"],
		TokensURL:             s.Info.Functions["tokens"],
		Issuer:                s.Info.Issuer,
		ClientID:              Audience,
		AuthorizationEndpoint: d.AuthorizationEndpoint,
		TokenEndpoint:         d.TokenEndpoint,
		StorageOrigin:         s.Info.Storage,
	}})
	s.serve(s.consoleListener, h)
	return nil
}
