package stack

import (
	"crypto"
	"fmt"
	"net/http"

	gooidc "github.com/coreos/go-oidc/v3/oidc"

	"valet.dev/valet/emulators/frontdoor"
	"valet.dev/valet/emulators/oidc"
	"valet.dev/valet/terraform/policy"
)

// members are this stack's identities in a caller group of
// terraform/policy/invokers.json: nil for allUsers.
func (s *Stack) members(group string) ([]string, error) {
	switch group {
	case policy.AllUsers:
		return nil, nil
	case policy.Dispatchers:
		return s.Info.Dispatchers, nil
	case policy.Scheduler:
		return []string{s.Info.Scheduler}, nil
	case policy.Eventarc:
		return []string{s.Info.Eventarc}, nil
	}
	return nil, fmt.Errorf("terraform/policy/invokers.json names the caller group %q, which the local stack does not know", group)
}

// policy is the named function's front door: its invoker binding from
// invokers.json, the same file Terraform's invoker bindings read.
func (s *Stack) policy(name string) (frontdoor.Policy, error) {
	groups, ok := policy.LoadInvokers()[name]
	if !ok {
		return frontdoor.Policy{}, fmt.Errorf("function %s has no entry in terraform/policy/invokers.json: say who may invoke it", name)
	}
	p := frontdoor.Policy{Audience: s.Info.Functions[name]}
	for _, g := range groups {
		emails, err := s.members(g)
		if err != nil {
			return p, err
		}
		p.Public = p.Public || g == policy.AllUsers
		p.Invokers = append(p.Invokers, emails...)
	}
	return p, nil
}

// serviceCallers are the service accounts allowed through the named
// function's front door: its VALET_ALLOWED_SERVICE_ACCOUNTS.
func (s *Stack) serviceCallers(name string) ([]string, error) {
	p, err := s.policy(name)
	return p.Invokers, err
}

// guard puts the named function's front door in front of h.
func (s *Stack) guard(name string, h http.Handler) (http.Handler, error) {
	p, err := s.policy(name)
	if err != nil {
		return nil, err
	}
	if s.door == nil {
		keys := &gooidc.StaticKeySet{PublicKeys: []crypto.PublicKey{s.Issuer.PublicKeys().Keys[0].Key}}
		s.door = frontdoor.New(s.Info.Issuer, keys)
	}
	return s.door.Guard(p, h), nil
}

// InvokerToken mints an ID token that passes the named function's front
// door: for its first invoker (a dispatcher, the scheduler, the Eventarc
// trigger account), audience the function's URL. A public function needs
// none: "".
func (s *Stack) InvokerToken(name string) (string, error) {
	p, err := s.policy(name)
	if err != nil || p.Public || len(p.Invokers) == 0 {
		return "", err
	}
	return s.Issuer.Mint(oidc.TokenRequest{Sub: p.Invokers[0], Email: p.Invokers[0], Aud: p.Audience})
}
