package archcheck

import (
	"path"
	"strings"
)

// module is the module path every package path starts with.
const module = "valet.dev/valet"

// A layer is a set of packages with one import rule.
type layer string

const (
	foundation  layer = "foundation"   // errors, ids, logging: imported by everyone, import no one
	domain      layer = "domain"       // the rules: states, keys, scopes, access; no I/O
	adapter     layer = "adapter"      // Google services and the services built on them
	platform    layer = "platform"     // wiring: configuration from the environment, HTTP plumbing
	client      layer = "client"       // what people's programs use to call valet
	function    layer = "function"     // one deployable Cloud Function each
	emulator    layer = "emulator"     // local stand-ins for Google services
	stack       layer = "stack"        // the local stack: emulators and functions together
	binary      layer = "binary"       // programs for people that call valet (CLI, worker)
	devBinary   layer = "dev-binary"   // programs that run, administer or load the stack (dev server, admin, bench)
	entrypoints layer = "entrypoints"  // the module root: the functions' registration for Cloud Functions
	testSupport layer = "test-support" // packages ending in "test" that other tests import
	tooling     layer = "tooling"      // scripts/: checks and reports run by make
)

// foundationPackages and domainPackages are listed by name, so that a new
// package is an adapter (the most permissive layer in shared/) until it is
// placed lower on purpose; clientPackages likewise.
var (
	foundationPackages = []string{
		"shared/apperr", "shared/ids", "shared/logging", "shared/mediatype", "shared/openapi",
		"shared/version", "shared/testenv", "terraform/policy",
	}
	domainPackages = []string{
		"shared/access", "shared/apitoken", "shared/audit", "shared/custody", "shared/identity", "shared/jobtoken", "shared/job", "shared/object", "shared/project",
		"shared/scope", "shared/seal",
	}
	platformPackages = []string{"shared/config", "shared/httpapi"}
	clientPackages   = []string{"shared/client"}
)

// allowed says which layers each layer's production code may import.
// Test files are not held to it (a test may start an emulator); test-support
// packages may import emulators but are never imported by production code.
var allowed = map[layer][]layer{
	foundation:  {foundation},
	domain:      {foundation, domain},
	adapter:     {foundation, domain, adapter},
	platform:    {foundation, domain, adapter, platform},
	client:      {foundation, domain},
	function:    {foundation, domain, adapter, platform},
	emulator:    {foundation, domain, adapter, platform, emulator},
	stack:       {foundation, domain, adapter, platform, emulator, function},
	binary:      {foundation, domain, client, binary},
	devBinary:   {foundation, domain, adapter, platform, client, function, emulator, stack, devBinary, binary, entrypoints},
	entrypoints: {foundation, function},
	testSupport: {foundation, domain, adapter, platform, client, emulator, testSupport},
	tooling:     {foundation, domain, tooling},
}

// googleSDKs are the import path prefixes of Google's client libraries and
// transports. Domain, foundation and client packages import none of them:
// the rules stay testable without a network, and a client carries no server
// credentials.
var googleSDKs = []string{"cloud.google.com/go/", "google.golang.org/api/", "google.golang.org/grpc"}

// sdkFree are the layers that may not import googleSDKs.
var sdkFree = []layer{foundation, domain, client, binary}

// layerOf places a package (path relative to the module) in its layer.
func layerOf(rel string) layer {
	first, _, _ := strings.Cut(rel, "/")
	switch {
	case rel == "":
		return entrypoints
	case strings.HasSuffix(path.Base(rel), "test"):
		return testSupport
	case inList(rel, foundationPackages):
		return foundation
	case inList(rel, domainPackages):
		return domain
	case inList(rel, platformPackages):
		return platform
	case inList(rel, clientPackages):
		return client
	case first == "shared":
		return adapter
	case first == "functions":
		return function
	case rel == "emulators/stack":
		return stack
	case first == "emulators":
		return emulator
	case strings.HasPrefix(rel, "cmd/valet-dev"), strings.HasPrefix(rel, "cmd/valet-admin"), strings.HasPrefix(rel, "cmd/valet-bench"):
		return devBinary
	case first == "cmd":
		return binary
	case first == "scripts":
		return tooling
	}
	return ""
}

// inList reports whether rel is one of pkgs or inside one of them.
func inList(rel string, pkgs []string) bool {
	for _, p := range pkgs {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}
