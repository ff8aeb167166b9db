// Command function serves valet's functions as Cloud Functions runs a Go
// function: the functions-framework started on PORT over the module root
// package, whose imports register every function; FUNCTION_TARGET picks
// one. valet-bench starts it to measure a function process (figures 4 and 5).
package main

import (
	"log"
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"

	_ "valet.dev/valet"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if err := funcframework.StartHostPort("127.0.0.1", port); err != nil {
		log.Fatalf("funcframework: %v", err)
	}
}
