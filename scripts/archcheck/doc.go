// Package archcheck holds the import rule of docs/architecture.md as a
// test: it lists the module's packages with `go list` and fails when a
// package imports one its layer may not (a domain package reaching for a
// Google SDK, a function importing another function, production code
// importing an emulator, the CLI importing server code, ...). layers.go is
// the rule; docs/architecture.md explains it.
package archcheck
