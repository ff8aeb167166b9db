// Package valet is the module root that Cloud Functions builds. Go functions
// are built only from the package at the root of the uploaded source, so this
// package imports every function package; each registers itself in init and
// the deployment's entry point picks one (jobs, objects, tokens, dispatch,
// finalize, sweep or console).
package valet

import (
	"valet.dev/valet/shared/logging"

	_ "valet.dev/valet/functions/console"
	_ "valet.dev/valet/functions/dispatch"
	_ "valet.dev/valet/functions/finalize"
	_ "valet.dev/valet/functions/jobs"
	_ "valet.dev/valet/functions/objects"
	_ "valet.dev/valet/functions/sweep"
	_ "valet.dev/valet/functions/tokens"
)

// Every line any function logs is Cloud Logging JSON through the masker.
func init() { logging.Install() }
