// Command function serves valet's functions as Cloud Functions runs a Go
// function: the functions-framework started on PORT over the module root
// package, whose imports register every function; FUNCTION_TARGET picks
// one. valet-bench starts it to measure a function process (figures 4 and 5).
package main

import (
	_ "valet.dev/valet"
	"valet.dev/valet/cmd/valet-bench/internal/ffmain"
)

func main() { ffmain.Serve() }
