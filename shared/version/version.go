// Package version is the release of valet a function runs. `make release`
// (scripts/release.sh) writes the version into version.txt inside the source
// archive that Cloud Functions builds from; the file is embedded at build,
// so every function knows its release without reading anything at run time.
// A build from a checkout (tests, the local stack) says "dev".
package version

import (
	_ "embed"
	"log/slog"
	"strings"
)

//go:embed version.txt
var raw string

// String is the release this binary was built from ("dev" outside a release).
func String() string {
	if v := strings.TrimSpace(raw); v != "" {
		return v
	}
	return "dev"
}

// LogStart logs, once per function instance, that function name started and
// which release it runs.
func LogStart(name string) {
	slog.Info("function started", "function", name, "version", String())
}
