// Package ffmain is the main of valet-bench's function binaries: it serves
// the registered functions as Cloud Functions runs a Go function, with the
// functions-framework on PORT (default 8080), here on the loopback.
package ffmain

import (
	"log"
	"os"

	"github.com/GoogleCloudPlatform/functions-framework-go/funcframework"
)

// Serve serves the registered functions until the process ends.
func Serve() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	if err := funcframework.StartHostPort("127.0.0.1", port); err != nil {
		log.Fatalf("funcframework: %v", err)
	}
}
